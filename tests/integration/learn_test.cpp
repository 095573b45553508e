// `ringfence learn` round-trip: a command the base refuses runs while
// learning, the learned profile lets the same command pass, and a call it
// never made is still refused; each call let through is in the audit log.
#include <fstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

const std::string kBase = std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/integration/learn-base.toml";
const std::string kScript = "mkdir /tmp/x && uname -a && echo program-ok";

class Learn : public SandboxTest {
 protected:
  // ringfence learn with this test's audit log, the test rootfs and a tmpfs
  // /tmp (the rootfs is shared and must stay as it was built).
  Result learn(const std::string& output, const std::string& script) {
    return rf({"learn", "--audit-log", audit_log(), "--rootfs", test_rootfs(), "--profile", kBase, "--tmpfs", "/tmp",
               "-o", output, "--", "/bin/sh", "-c", script});
  }
  std::vector<nlohmann::json> notifications() {
    std::vector<nlohmann::json> out;
    std::ifstream in(audit_log());
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == "seccomp.notify") out.push_back(std::move(j));
    }
    return out;
  }
};

TEST_F(Learn, RoundTrip) {
  TempDir dir("ringfence-learn");
  const std::string learned = dir / "learned.toml";

  // (1) The base refuses the command.
  auto before = rf(run_args({"--profile", kBase, "--tmpfs", "/tmp"}, kScript));
  EXPECT_NE(before.status, 0) << before.out;
  EXPECT_THAT(before.out, ::testing::Not(HasSubstr("program-ok")));

  // (2) Learning lets it run, and writes a profile that validates.
  auto r = learn(learned, kScript);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("program-ok"));
  EXPECT_THAT(r.err, HasSubstr("profile written to " + learned));
  ASSERT_TRUE(exists(learned));
  const std::string text = read_text(learned);
  EXPECT_THAT(text, HasSubstr("extends = \"" + kBase + "\""));
  EXPECT_THAT(text, HasSubstr("\"uname\""));
  EXPECT_THAT(text, ::testing::AnyOf(HasSubstr("\"mkdir\""), HasSubstr("\"mkdirat\"")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\"rmdir\"")));
  auto validate = rf({"validate", learned});
  EXPECT_EQ(validate.status, 0) << validate.out << validate.err;

  // (3) The learned profile lets the same command pass.
  auto after = rf(run_args({"--profile", learned, "--tmpfs", "/tmp"}, kScript));
  EXPECT_EQ(after.status, 0) << after.err;
  EXPECT_THAT(after.out, HasSubstr("program-ok"));

  // (4) ...and still refuses a call the program never made.
  auto other = rf(run_args({"--profile", learned, "--tmpfs", "/tmp"}, "mkdir /tmp/y && rmdir /tmp/y 2>&1; echo rmdir=$?"));
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_THAT(other.out, HasSubstr("Operation not permitted"));
  EXPECT_THAT(other.out, HasSubstr("rmdir=1"));

  // (5) Each call let through while learning is in the audit log.
  bool mkdir = false, uname = false;
  for (const auto& n : notifications()) {
    if (n["answer"] != "continue (learn)") continue;
    mkdir = mkdir || n["syscall"] == "mkdir" || n["syscall"] == "mkdirat";
    uname = uname || n["syscall"] == "uname";
  }
  EXPECT_TRUE(mkdir);
  EXPECT_TRUE(uname);
  EXPECT_EQ(rf({"audit", "verify", audit_log()}).status, 0);
}

TEST_F(Learn, AFailingProgramStillGetsItsProfileAndItsStatus) {
  TempDir dir("ringfence-learn");
  const std::string learned = dir / "learned.toml";
  auto r = learn(learned, "uname >/dev/null; exit 3");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exited with status 3"));
  ASSERT_TRUE(exists(learned));
  EXPECT_THAT(read_text(learned), HasSubstr("\"uname\""));
  EXPECT_EQ(rf({"validate", learned}).status, 0);
}

TEST_F(Learn, AnUnwritableOutputIsRefusedBeforeTheProgramRuns) {
  TempDir dir("ringfence-learn");
  auto r = learn(dir / "missing/learned.toml", "touch /tmp/ran; echo program-ran");
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot write the profile"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("program-ran")));
}

// A profile someone edited by hand is not lost to a second learn run.
TEST_F(Learn, AnExistingOutputIsReplacedOnlyWithForce) {
  TempDir dir("ringfence-learn");
  const std::string learned = dir / "learned.toml";
  std::ofstream(learned) << "# reviewed by hand\n";
  auto r = learn(learned, "echo program-ran");
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exists; learn does not replace it without --force"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("program-ran")));
  EXPECT_EQ(read_text(learned), "# reviewed by hand\n");
  r = rf({"learn", "--force", "--audit-log", audit_log(), "--rootfs", test_rootfs(), "--profile", kBase, "--tmpfs",
          "/tmp", "-o", learned, "--", "/bin/sh", "-c", "echo program-ran"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(read_text(learned), HasSubstr("[profile]"));
}

TEST_F(Learn, AProgramThatCannotStartWritesNoProfile) {
  TempDir dir("ringfence-learn");
  const std::string learned = dir / "learned.toml";
  auto r = rf({"learn", "--audit-log", audit_log(), "--rootfs", test_rootfs(), "--profile", kBase, "-o", learned, "--",
               "/no/such/program"});
  EXPECT_EQ(r.status, 127) << r.err;
  EXPECT_FALSE(exists(learned));
}

}  // namespace
}  // namespace ringfence::itest
