// AppArmor and SELinux, on either kind of host. Where a module is off, a
// profile that requires it fails closed with a clear message and one that
// marks it optional runs with a warning. Where AppArmor is on, a profile
// ringfence generates is loaded and really confines the program (its label
// in /proc/PID/attr/current, a denied read refused), and a profile that is
// not loaded fails closed. Each test skips, saying why, on the other kind
// of host (lsm_host.h decides as ringfence does).
//
// The machine these were written on has neither module: the AppArmor-on
// tests there compile and skip; they were not run.
#include <gmock/gmock.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"
#include "lsm_host.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class Lsm : public SandboxTest {
 protected:
  std::string data(const std::string& f) { return std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/lsm/" + f; }
};

#define SKIP_WHERE_APPARMOR_IS_ON() \
  if (host_has_apparmor()) GTEST_SKIP() << "AppArmor is on here: this tests a host without it"
#define SKIP_WHERE_APPARMOR_IS_OFF() \
  if (!host_has_apparmor()) GTEST_SKIP() << "AppArmor is off here: this tests a host with it"
#define SKIP_WHERE_SELINUX_IS_ON() \
  if (host_has_selinux()) GTEST_SKIP() << "SELinux is on here: this tests a host without it"

// ---- a host without AppArmor or SELinux: fail closed, or warn when optional

TEST_F(Lsm, RequiredAppArmorFailsClosed) {
  SKIP_WHERE_APPARMOR_IS_ON();
  auto r = rf(run_args({"--profile", data("apparmor-required.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'apparmor.check' failed: AppArmor is not enabled on this kernel; the profile "
                               "requires it (set optional = true to run without it)"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("ran")));
}

TEST_F(Lsm, OptionalAppArmorWarnsAndRuns) {
  SKIP_WHERE_APPARMOR_IS_ON();
  auto r = rf(run_args({"--profile", data("apparmor-optional.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ran"));
  EXPECT_THAT(r.err, HasSubstr("warning: step 'apparmor.check': AppArmor is not enabled on this kernel; optional"));
}

TEST_F(Lsm, RequiredSelinuxFailsClosed) {
  SKIP_WHERE_SELINUX_IS_ON();
  auto r = rf(run_args({"--profile", data("selinux-required.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'selinux.check' failed: SELinux is not enabled on this kernel"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("ran")));
}

TEST_F(Lsm, OptionalSelinuxWarnsAndRuns) {
  SKIP_WHERE_SELINUX_IS_ON();
  auto r = rf(run_args({"--profile", data("selinux-optional.toml")}, "echo ran"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ran"));
  EXPECT_THAT(r.err, HasSubstr("warning: step 'selinux.check': SELinux is not enabled"));
}

TEST_F(Lsm, AnAppArmorNameOnTheCommandLineIsRequired) {
  SKIP_WHERE_APPARMOR_IS_ON();
  auto r = rf(run_args({"--security-opt", "apparmor=docker-default"}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("AppArmor is not enabled on this kernel"));
  EXPECT_EQ(rf(run_args({"--security-opt", "apparmor=unconfined"}, "true")).status, 0);
}

// ---- a host with AppArmor (stock Debian and Ubuntu): real confinement

class LsmAppArmorOn : public Lsm {
 protected:
  void SetUp() override {
    Lsm::SetUp();
    if (IsSkipped()) return;
    SKIP_WHERE_APPARMOR_IS_OFF();
    if (access("/sbin/apparmor_parser", X_OK) != 0 && access("/usr/sbin/apparmor_parser", X_OK) != 0)
      GTEST_SKIP() << "AppArmor is on but apparmor_parser is missing (apt-get install apparmor)";
    // A name of this test process only, removed from the kernel at the end.
    profile_ = "ringfence-itest-" + std::to_string(getpid());
  }
  void TearDown() override {
    Lsm::TearDown();  // the sandboxes first, then the profile they ran under
    if (!profile_.empty()) std::ofstream("/sys/kernel/security/apparmor/.remove") << profile_;
  }
  // A ringfence profile that has ringfence generate and load profile_, with
  // one rule of its own: reading /etc/hostname is denied.
  std::string generated_profile(TempDir& dir) {
    const std::string path = dir / "aa.toml";
    std::ofstream(path) << "[profile]\nname = \"aa-generated\"\nextends = \"default\"\n\n[apparmor]\nprofile = \""
                        << profile_ << "\"\ngenerate = true\nrules = [\"deny /etc/hostname r\"]\n";
    return path;
  }
  std::string profile_;
};

TEST_F(LsmAppArmorOn, AGeneratedProfileConfinesTheProgram) {
  TempDir dir;
  const std::string profile = generated_profile(dir);
  // Seen from the host: the sandbox's processes carry the label.
  const std::string n = name("aa");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", profile, "--",
                     "/bin/sleep", "60"});
  ASSERT_EQ(started.status, 0) << started.err;
  const pid_t init = sandbox_pid(n);
  ASSERT_GT(init, 0);
  EXPECT_EQ(read_text("/proc/" + std::to_string(init) + "/attr/current"), profile_ + " (enforce)\n");
  // Seen from inside: the label, and the profile's own rule at work.
  auto r = rf(run_args({"--profile", profile},
                       "cat /proc/self/attr/current; cat /etc/hostname >/dev/null 2>&1 && echo read || echo denied"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, profile_ + " (enforce)\ndenied\n");
}

TEST_F(LsmAppArmorOn, AProfileThatIsNotLoadedFailsClosed) {
  // profile_ is not loaded: nothing generated it.
  auto r = rf(run_args({"--security-opt", "apparmor=" + profile_}, "echo ran"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("AppArmor profile '" + profile_ + "' is not loaded"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("ran")));
}

}  // namespace
}  // namespace ringfence::itest
