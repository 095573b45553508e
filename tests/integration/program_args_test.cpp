// As `docker run IMAGE CMD ARGS`: the program may follow run's options
// without `--` (and exec's, after the sandbox's name); its own options stay
// its own, and an unknown option of run is still named.
#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

using ProgramArgs = SandboxTest;

TEST_F(ProgramArgs, TheProgramNeedsNoDoubleDash) {
  auto r = rf({"run", "--rootfs", test_rootfs(), "-e", "A=1", "-w", "/tmp", "/bin/sh", "-c", "echo $A $0 $(pwd)", "x"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "1 x /tmp\n");
  // With -- it means the same, and a value that looks like a program does
  // not end the options (-w takes /tmp, -v its spec).
  TempDir d;
  auto dashed = rf({"run", "--rootfs", test_rootfs(), "-v", d.path() + ":/d", "--", "/bin/sh", "-c", "test -d /d && echo yes"});
  EXPECT_EQ(dashed.out, "yes\n") << dashed.err;
}

TEST_F(ProgramArgs, ExecTakesTheProgramAfterTheName) {
  const std::string n = name("args");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "/bin/sleep", "30"}).status, 0);
  auto r = rf({"exec", "-e", "B=2", n, "/bin/sh", "-c", "echo B=$B"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "B=2\n");
  ASSERT_EQ(rf({"delete", "--force", n}).status, 0);
}

TEST_F(ProgramArgs, AnUnknownOptionOfRunIsStillNamed) {
  auto r = rf({"run", "--rootfs", test_rootfs(), "--bogus", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("unknown option '--bogus'"));
}

}  // namespace
}  // namespace ringfence::itest
