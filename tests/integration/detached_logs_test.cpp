// A detached sandbox's output is bounded: its supervisor copies it from a
// pipe to NAME.log and rotates that to NAME.log.1 at 16 MiB, so a chatty
// program keeps at most two files' worth; `logs` reads both halves, and
// `logs -f` follows across a rotation.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

using DetachedLogs = SandboxTest;

constexpr off_t kHalf = 16 << 20;

off_t size_of(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST_F(DetachedLogs, AChattyProgramKeepsAtMostTwoHalves) {
  const std::string n = name("chatty");
  // 40 MB of lines, then a last one: more than the two halves hold.
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sh", "-c",
                "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 40000000; echo; echo the-end"})
                .status,
            0);
  // -f returns once the supervisor has ended: everything is written.
  auto followed = rf({"logs", "-f", n});
  ASSERT_EQ(followed.status, 0) << followed.err;
  EXPECT_THAT(followed.out, EndsWith("the-end\n"));
  // What is kept: two halves at most, the newest output.
  const std::string log = state_root() + "/" + n + ".log";
  EXPECT_GT(size_of(log + ".1"), 0) << "rotated once at least";
  EXPECT_LE(size_of(log + ".1"), kHalf);
  EXPECT_LE(size_of(log), kHalf);
  EXPECT_EQ(size_of(log + ".new"), -1) << "a rotation leaves only the two halves";
  EXPECT_EQ(size_of(log + ".1.new"), -1);
  auto kept = rf({"logs", n});
  EXPECT_EQ(kept.out.size(), static_cast<std::size_t>(size_of(log + ".1") + size_of(log)));
  EXPECT_LT(kept.out.size(), 40000000u) << "the oldest output was dropped";
  EXPECT_THAT(kept.out, EndsWith("the-end\n"));
  EXPECT_EQ(rf({"logs", "--tail", "1", n}).out, "the-end\n");
  // 40,000,000 = 37 * 1,081,081 + 3: the cut line is "012", ended by echo.
  EXPECT_EQ(rf({"logs", "--tail", "2", n}).out, "012\nthe-end\n");
  ASSERT_EQ(rf({"delete", n}).status, 0);
  EXPECT_EQ(size_of(log + ".1"), -1) << "delete removes both halves";
}

TEST_F(DetachedLogs, FollowingCrossesARotation) {
  const std::string n = name("rotating");
  // It waits for a file the test makes, so that -f is already following
  // when the output (past a rotation) comes.
  TempDir go;
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "-v", go.path() + ":/go", "--", "/bin/sh",
                "-c",
                "echo first; while [ ! -e /go/now ]; do sleep 0.05; done; "
                "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 20000000; echo; echo after-rotation"})
                .status,
            0);
  RunOptions sh;
  sh.binary = "/bin/sh";
  const pid_t follower = ringfence_async(
      {"-c", "exec \"$0\" --root \"$1\" logs -f \"$2\" > \"$3\"", RINGFENCE_BINARY, state_root(), n, go / "followed"},
      sh);
  // Wait until -f has printed what was there, then let the program go on.
  for (int i = 0; i < 400 && read_text(go / "followed").find("first") == std::string::npos; ++i) usleep(10000);
  ASSERT_THAT(read_text(go / "followed"), HasSubstr("first\n"));
  FILE* f = fopen((go / "now").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  EXPECT_EQ(wait_status(follower), 0);
  const std::string followed = read_text(go / "followed");
  EXPECT_THAT(followed, HasSubstr("first\n"));
  EXPECT_THAT(followed, EndsWith("after-rotation\n"));
  EXPECT_EQ(followed.size(), 6u + 20000000u + 1u + 15u) << "every byte once, across the rotation";
  ASSERT_EQ(rf({"delete", n}).status, 0);
}

}  // namespace
}  // namespace ringfence::itest
