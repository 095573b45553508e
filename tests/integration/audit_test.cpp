// What a sandbox leaves in the audit log: its creation (profile, plan hash),
// its start and stop, a failed step, a skipped optional feature, a
// privileged run; and a log that cannot be written stops the start.
#include <fstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "lsm_host.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class Audit : public SandboxTest {
 protected:
  std::vector<nlohmann::json> events() {
    std::vector<nlohmann::json> out;
    std::ifstream in(audit_log());
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
};

TEST_F(Audit, ARunIsRecordedFromCreationToStop) {
  const std::string n = name("audited");
  ASSERT_EQ(rf({"run", "--name", n, "--rootfs", test_rootfs(), "--", "/bin/sh", "-c", "exit 3"}).status, 3);
  const auto e = events();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0]["event"], "sandbox.create");
  EXPECT_EQ(e[0]["sandbox"], n);
  EXPECT_EQ(e[0]["profile"], "default");
  EXPECT_EQ(e[0]["plan_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(e[0]["command"], nlohmann::json({"/bin/sh", "-c", "exit 3"}));
  EXPECT_EQ(e[1]["event"], "sandbox.start");
  EXPECT_EQ(e[2]["event"], "sandbox.stop");
  EXPECT_EQ(e[2]["exit_status"], 3);
  // The plan hash is the one `ringfence plan` shows for the same profile.
  auto plan = ringfence({"plan", "default", "--rootfs", test_rootfs()});
  EXPECT_THAT(plan.out, HasSubstr("sha256 " + e[0]["plan_sha256"].get<std::string>()));
  auto verify = rf({"audit", "verify", audit_log()});
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("intact, 3 records"));
}

TEST_F(Audit, FailuresSkipsAndPrivilegedRunsAreRecorded) {
  // The skipped optional feature is a security module this host does not
  // have (lsm_host.h, as ringfence decides): AppArmor where it is off,
  // else SELinux (Debian and Ubuntu have AppArmor and no SELinux).
  std::string optional;
  if (!host_has_apparmor()) optional = "apparmor-optional.toml";
  else if (!host_has_selinux()) optional = "selinux-optional.toml";
  else GTEST_SKIP() << "this host has both AppArmor and SELinux: no optional feature to skip";
  EXPECT_EQ(rf(run_args({}, "true")).status, 0);
  EXPECT_EQ(rf({"run", "--rootfs", test_rootfs(), "--", "/no/such"}).status, 127);
  EXPECT_EQ(rf(run_args({"--profile", std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/lsm/" + optional}, "true"))
                .status,
            0);
  EXPECT_EQ(rf(run_args({"--privileged"}, "true")).status, 0);
  std::map<std::string, int> count;
  for (const auto& e : events()) count[e["event"]]++;
  EXPECT_EQ(count["sandbox.create"], 4);
  EXPECT_EQ(count["step.failed"], 1);
  EXPECT_EQ(count["feature.skipped"], 1);
  EXPECT_EQ(count["sandbox.privileged"], 1);
  for (const auto& e : events())
    if (e["event"] == "step.failed") {
      EXPECT_EQ(e["step"], "process.exec");
      EXPECT_EQ(e["exit_status"], 127);
    }
  auto shown = rf({"audit", "show", audit_log(), "--format", "json"});
  EXPECT_EQ(std::count(shown.out.begin(), shown.out.end(), '\n'), static_cast<long>(events().size()));
}

TEST_F(Audit, ALogThatCannotBeWrittenStopsTheStart) {
  TempDir out;
  auto r = ringfence({"--root", state_root(), "run", "--audit-log", "/proc/version/audit.jsonl", "--rootfs",
                      test_rootfs(), "-v", out.path() + ":/out", "--", "/bin/touch", "/out/ran"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("the audit log cannot be written, so the sandbox does not start"));
  EXPECT_FALSE(exists(out / "ran"));
}

}  // namespace
}  // namespace ringfence::itest
