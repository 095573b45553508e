// AppArmor and SELinux on a kernel that has neither (this machine): a
// profile that requires one fails closed with a clear message; one that
// marks it optional runs with a warning.
#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class Lsm : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    if (exists("/sys/kernel/security/apparmor") || exists("/sys/fs/selinux/enforce"))
      GTEST_SKIP() << "this kernel has an LSM these tests assume missing";
  }
  std::string data(const std::string& f) { return std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/lsm/" + f; }
};

TEST_F(Lsm, RequiredAppArmorFailsClosed) {
  auto r = rf(run_args({"--profile", data("apparmor-required.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'apparmor.check' failed: AppArmor is not enabled on this kernel; the profile "
                               "requires it (set optional = true to run without it)"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("ran")));
}

TEST_F(Lsm, OptionalAppArmorWarnsAndRuns) {
  auto r = rf(run_args({"--profile", data("apparmor-optional.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ran"));
  EXPECT_THAT(r.err, HasSubstr("warning: step 'apparmor.check': AppArmor is not enabled on this kernel; optional"));
}

TEST_F(Lsm, RequiredSelinuxFailsClosed) {
  auto r = rf(run_args({"--profile", data("selinux-required.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'selinux.check' failed: SELinux is not enabled on this kernel"));
}

TEST_F(Lsm, OptionalSelinuxWarnsAndRuns) {
  auto r = rf(run_args({"--profile", data("selinux-optional.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: step 'selinux.check': SELinux is not enabled"));
}

TEST_F(Lsm, AnAppArmorNameOnTheCommandLineIsRequired) {
  auto r = rf(run_args({"--security-opt", "apparmor=docker-default"}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("AppArmor is not enabled on this kernel"));
  EXPECT_EQ(rf(run_args({"--security-opt", "apparmor=unconfined"}, "true")).status, 0);
}

}  // namespace
}  // namespace ringfence::itest
