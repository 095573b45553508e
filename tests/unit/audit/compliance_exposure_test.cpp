// The controls judged from the facts whatever the steps: capability
// classes, host ports, device creation, a low host uid, mandatory access
// control, sensitive host paths, usable setuid files and a shared network.
// Each fails when the process shows more than its profile allows, passes
// (saying so) when the profile allows it, and is unknown without facts.
#include <linux/capability.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ringfence/audit/compliance.h"
#include "ringfence/policy/compiler.h"
#include "compliance_support.h"

namespace ringfence::audit {
namespace {

constexpr std::uint64_t kDockerCaps = 0xa80425fb;  // Docker's 14, NET_RAW and MKNOD among them
constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

using test_support::plan_of;

// A profile written for one test, extending a shipped one.
policy::Plan plan_with(const std::string& name, const std::string& body) {
  const auto path = std::filesystem::temp_directory_path() / ("rf-exposure-" + name + ".toml");
  std::ofstream(path) << "[profile]\nschema = 1\nname = \"" << name << "\"\nextends = \"default\"\n" << body;
  auto plan = plan_of(path.string());
  std::filesystem::remove(path);
  return plan;
}

enforcer::ProcessFacts facts(std::uint64_t caps = kDockerCaps) {
  enforcer::ProcessFacts f = test_support::default_like_facts(10, caps);
  for (const char* kind : {"mnt", "pid", "ipc", "uts", "net", "cgroup"}) f.namespaces[kind].shared_with_host = false;
  f.namespaces["user"].shared_with_host = true;
  f.namespaces["net"].id = "net:[4026532999]";
  return f;
}

const Finding& finding(const Report& r, const std::string& id) {
  if (const Finding* f = test_support::find_finding(r, id)) return *f;
  ADD_FAILURE() << "no finding for " << id;
  static const Finding none;
  return none;
}

Outcome outcome(const policy::Plan& plan, const enforcer::ProcessFacts& f, const std::string& id) {
  return finding(judge_compliance(plan, f, "pid:10"), id).outcome;
}

TEST(ComplianceExposure, NothingReadableIsUnknownForEveryNewControl) {
  for (const char* profile : {"default", "strict", "privileged"}) {
    const Report r = judge_compliance(plan_of(profile), enforcer::ProcessFacts{}, "pid:1");
    for (const char* id : {"RF-CAP-002", "RF-CAP-003", "RF-CAP-004", "RF-CAP-005", "RF-CAP-006", "RF-NET-001",
                           "RF-NET-002", "RF-PRIV-005", "RF-DEV-002", "RF-LSM-001", "RF-FS-002", "RF-FS-006"})
      EXPECT_EQ(finding(r, id).outcome, Outcome::Unknown) << profile << " " << id << ": " << finding(r, id).observed;
  }
}

TEST(ComplianceExposure, CapabilityClassesBeyondTheProfileFail) {
  const auto def = plan_of("default");
  const auto strict = plan_of("strict");
  const auto f = facts();
  // Docker's 14 against default: all allowed, NET_RAW named as the profile's.
  for (const char* id : {"RF-CAP-002", "RF-CAP-003", "RF-CAP-004", "RF-CAP-005"})
    EXPECT_EQ(outcome(def, f, id), Outcome::Pass) << id;
  EXPECT_NE(finding(judge_compliance(def, f, "p"), "RF-CAP-004").observed.find("allowed by the profile"),
            std::string::npos);

  const Report r = judge_compliance(def, facts(kDockerCaps | bit(CAP_SYS_PTRACE)), "p");
  EXPECT_EQ(finding(r, "RF-CAP-002").outcome, Outcome::Fail);
  EXPECT_NE(finding(r, "RF-CAP-002").observed.find("CAP_SYS_PTRACE on tid 10"), std::string::npos)
      << finding(r, "RF-CAP-002").observed;
  EXPECT_EQ(finding(r, "RF-CAP-003").outcome, Outcome::Pass) << "SYS_PTRACE is RF-CAP-002's alone";
  EXPECT_EQ(outcome(def, facts(kDockerCaps | bit(CAP_IPC_LOCK)), "RF-CAP-003"), Outcome::Fail);
  EXPECT_EQ(outcome(def, facts(kDockerCaps | bit(CAP_IPC_LOCK)), "RF-CAP-002"), Outcome::Pass);

  // strict keeps nothing: NET_RAW and anything beyond NET_BIND_SERVICE fail.
  EXPECT_EQ(outcome(strict, facts(bit(CAP_NET_RAW)), "RF-CAP-004"), Outcome::Fail);
  EXPECT_EQ(outcome(strict, facts(bit(CAP_CHOWN)), "RF-CAP-005"), Outcome::Fail);
  EXPECT_EQ(outcome(strict, facts(0), "RF-CAP-005"), Outcome::Pass);
  EXPECT_EQ(outcome(strict, facts(0), "RF-CAP-004"), Outcome::Pass);

  auto unreadable = facts();
  unreadable.threads[0].cap_bnd.reset();
  EXPECT_EQ(outcome(def, unreadable, "RF-CAP-002"), Outcome::Unknown);
}

TEST(ComplianceExposure, AmbientCapabilitiesOfANonRootUser) {
  const auto def = plan_of("default");
  auto f = facts();
  f.threads[0].uids = std::array<std::uint32_t, 4>{1000, 1000, 1000, 1000};
  f.threads[0].cap_amb = bit(CAP_CHOWN);
  EXPECT_EQ(outcome(def, f, "RF-CAP-006"), Outcome::Fail);
  f.threads[0].cap_amb = bit(CAP_NET_BIND_SERVICE);
  EXPECT_EQ(outcome(def, f, "RF-CAP-006"), Outcome::Pass) << "the restricted level allows it";
  f.threads[0].cap_amb = bit(CAP_CHOWN);
  f.threads[0].uids = std::array<std::uint32_t, 4>{0, 0, 0, 0};
  EXPECT_EQ(outcome(def, f, "RF-CAP-006"), Outcome::Pass) << "root gets its capabilities at exec anyway";
}

TEST(ComplianceExposure, PrivilegedPortsOnTheHostsNetwork) {
  const auto def = plan_of("default");
  auto f = facts();
  EXPECT_EQ(outcome(def, f, "RF-NET-002"), Outcome::Pass) << "a private network";
  f.namespaces["net"].shared_with_host = true;
  EXPECT_EQ(outcome(def, f, "RF-NET-002"), Outcome::Fail);
  f.threads[0].cap_eff = kDockerCaps & ~bit(CAP_NET_BIND_SERVICE);
  EXPECT_EQ(outcome(def, f, "RF-NET-002"), Outcome::Pass) << "NET_BIND_SERVICE not effective";
  f.threads[0].cap_eff = kDockerCaps;
  const auto host_net = plan_with("hostnet", "[network]\nmode = \"host\"\n");
  EXPECT_EQ(outcome(host_net, f, "RF-NET-002"), Outcome::Pass) << "the profile asks for both";
}

TEST(ComplianceExposure, DeviceCreationBeyondTheProfilesRules) {
  const auto def = plan_of("default");
  auto f = facts();
  f.cgroup_version = 1;
  f.cgroup_dirs = {{"devices", "/nonexistent/devices/x"}};
  // Docker's rules, as default's plan writes them: allowed.
  f.cgroup_files["/nonexistent/devices/x/devices.list"] = "c *:* m\nb *:* m\nc 1:3 rwm\nc 1:5 rwm";
  EXPECT_EQ(outcome(def, f, "RF-DEV-002"), Outcome::Pass);
  f.cgroup_files["/nonexistent/devices/x/devices.list"] = "a *:* rwm";
  EXPECT_EQ(outcome(def, f, "RF-DEV-002"), Outcome::Fail);
  EXPECT_EQ(outcome(def, facts(kDockerCaps & ~bit(CAP_MKNOD)), "RF-DEV-002"), Outcome::Pass) << "no CAP_MKNOD";
  f.cgroup_version = 2;
  EXPECT_EQ(outcome(def, f, "RF-DEV-002"), Outcome::Unknown) << "v2: the device programs could not be read";
  f.cgroup_version = 1;
  f.cgroup_files.clear();
  EXPECT_EQ(outcome(def, f, "RF-DEV-002"), Outcome::Unknown);
}

// cgroup v2: the device programs in force are asked about making devices.
TEST(ComplianceExposure, DeviceCreationOnCgroupV2) {
  const auto def = plan_of("default");
  const auto* rules = def.params<policy::StepKind::DevicesCgroup>();
  ASSERT_NE(rules, nullptr);
  auto f = facts();
  f.cgroup_version = 2;
  f.device_programs = std::vector<std::vector<bpf_insn>>{enforcer::device_program(*rules)};
  EXPECT_EQ(outcome(def, f, "RF-DEV-002"), Outcome::Pass) << "the plan's own program";
  // A program that lets the host's disk be made (and opened), and nothing
  // else beyond the plan.
  policy::DeviceCgroupParams disk;
  disk.rules = {{false, 'a', -1, -1, "rwm"}, {true, 'b', 8, 0, "rwm"}};
  f.device_programs = std::vector<std::vector<bpf_insn>>{enforcer::device_program(disk)};
  EXPECT_EQ(outcome(def, f, "RF-DEV-002"), Outcome::Fail);
  EXPECT_EQ(outcome(def, facts(kDockerCaps & ~bit(CAP_MKNOD)), "RF-DEV-002"), Outcome::Pass) << "no CAP_MKNOD";
}

TEST(ComplianceExposure, ALowHostUidWithoutAUserNamespace) {
  const auto def = plan_of("default");
  auto f = facts();
  EXPECT_EQ(outcome(def, f, "RF-PRIV-005"), Outcome::Pass) << "root is RF-PRIV-003's";
  f.threads[0].uids = std::array<std::uint32_t, 4>{1000, 1000, 1000, 1000};
  EXPECT_EQ(outcome(def, f, "RF-PRIV-005"), Outcome::Fail);
  f.namespaces["user"].shared_with_host = false;
  EXPECT_EQ(outcome(def, f, "RF-PRIV-005"), Outcome::Pass) << "its own user namespace";
  f.namespaces["user"].shared_with_host = true;
  f.threads[0].uids = std::array<std::uint32_t, 4>{20000, 20000, 20000, 20000};
  EXPECT_EQ(outcome(def, f, "RF-PRIV-005"), Outcome::Pass);
  f.threads[0].uids = std::array<std::uint32_t, 4>{1000, 1000, 1000, 1000};
  EXPECT_EQ(outcome(plan_with("uid1000", "[user]\nuid = 1000\n[user.namespace]\nenabled = false\n"), f, "RF-PRIV-005"), Outcome::Pass)
      << "the profile's own uid";
}

TEST(ComplianceExposure, MandatoryAccessControl) {
  auto f = facts();
  EXPECT_EQ(outcome(plan_of("default"), f, "RF-LSM-001"), Outcome::Pass) << "default asks for none";
  const auto strict = plan_of("strict");  // Landlock
  EXPECT_EQ(outcome(strict, f, "RF-LSM-001"), Outcome::Unknown) << "Landlock has no /proc view";
  f.launcher = enforcer::ProcessFacts::LauncherRecord{{"landlock.restrict"}, {}};
  EXPECT_EQ(outcome(strict, f, "RF-LSM-001"), Outcome::Pass) << "the launcher's record";
  f.launcher.reset();

  const auto aa = plan_with("aa", "[apparmor]\nprofile = \"docker-default\"\n");
  EXPECT_EQ(outcome(aa, f, "RF-LSM-001"), Outcome::Unknown) << "no LSM exposes a label";
  f.threads[0].attr_current = "unconfined";
  EXPECT_EQ(outcome(aa, f, "RF-LSM-001"), Outcome::Fail);
  f.threads[0].attr_current = "docker-default (enforce)";
  EXPECT_EQ(outcome(aa, f, "RF-LSM-001"), Outcome::Pass);
}

enforcer::MountInfo mount(const std::string& dev, const std::string& root, const std::string& at,
                          const std::string& options = "rw,nosuid,nodev") {
  enforcer::MountInfo m;
  m.dev = dev;
  m.root = root;
  m.mount_point = at;
  m.options = options;
  return m;
}

TEST(ComplianceExposure, SensitiveHostPathsByWhereTheMountComesFrom) {
  const auto def = plan_of("default");
  auto f = facts();
  f.host_mounts = std::vector<enforcer::MountInfo>{mount("8:1", "/", "/"), mount("0:25", "/", "/run"),
                                                   mount("0:5", "/", "/dev"), mount("0:22", "/", "/sys")};
  // The sandbox's own root, /dev/null over a masked path, a tmpfs the
  // host has not mounted, /dev from the host's /dev.
  f.mounts = std::vector<enforcer::MountInfo>{mount("8:1", "/srv/rootfs", "/"), mount("0:5", "/null", "/proc/kcore"),
                                              mount("0:77", "/", "/tmp"), mount("0:5", "/", "/dev")};
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Pass) << finding(judge_compliance(def, f, "p"), "RF-FS-002").observed;

  f.mounts->push_back(mount("0:25", "/docker.sock", "/var/run/docker.sock"));
  const Report r = judge_compliance(def, f, "p");
  EXPECT_EQ(finding(r, "RF-FS-002").outcome, Outcome::Fail);
  EXPECT_NE(finding(r, "RF-FS-002").observed.find("/run/docker.sock on /var/run/docker.sock"), std::string::npos)
      << finding(r, "RF-FS-002").observed;
  f.mounts->pop_back();
  f.mounts->push_back(mount("8:1", "/etc", "/host-etc"));
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Fail);
  f.mounts->back() = mount("0:22", "/", "/host-sys");
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Fail) << "the host's /sys away from /sys";
  f.mounts->back() = mount("8:1", "/srv/data", "/data");
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Pass);
  // default on the host's root sees the host's /usr at /usr: its rootfs.
  f.mounts->back() = mount("8:1", "/usr", "/usr");
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Pass) << finding(judge_compliance(def, f, "p"), "RF-FS-002").observed;
  f.mounts->back() = mount("8:1", "/usr", "/srv/usr");
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Fail) << "elsewhere it is a volume";

  // Asked for by the profile: its choice (lint reports it).
  f.mounts->back() = mount("8:1", "/etc", "/host-etc");
  const auto vol = plan_with("etcvol", "[[filesystem.volumes]]\nsource = \"/etc\"\ntarget = \"/host-etc\"\nreadonly = true\n");
  EXPECT_EQ(outcome(vol, f, "RF-FS-002"), Outcome::Pass) << finding(judge_compliance(vol, f, "p"), "RF-FS-002").observed;

  f.namespaces["mnt"].shared_with_host = true;
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Fail) << "the host's mount namespace";
  f.namespaces["mnt"].shared_with_host = false;
  f.host_mounts.reset();
  EXPECT_EQ(outcome(def, f, "RF-FS-002"), Outcome::Unknown);
}

TEST(ComplianceExposure, SetuidFilesOnlyWhereExecHonoursThem) {
  const auto def = plan_of("default");
  auto f = facts();
  f.mounts = std::vector<enforcer::MountInfo>{mount("8:1", "/srv/rootfs", "/", "rw,relatime")};
  EXPECT_EQ(outcome(def, f, "RF-FS-006"), Outcome::Pass) << "no_new_privs";
  f.threads[0].no_new_privs = 0;
  EXPECT_EQ(outcome(def, f, "RF-FS-006"), Outcome::Unknown) << "the files are not searched";
  f.mounts = std::vector<enforcer::MountInfo>{mount("8:1", "/srv/rootfs", "/", "rw,nosuid")};
  EXPECT_EQ(outcome(def, f, "RF-FS-006"), Outcome::Pass) << "every mount nosuid";
  f.mounts = std::vector<enforcer::MountInfo>{mount("8:1", "/srv/rootfs", "/", "rw,relatime")};
  EXPECT_EQ(outcome(plan_of("privileged"), f, "RF-FS-006"), Outcome::Pass) << "privileged allows it";
}

TEST(ComplianceExposure, ANetworkNamespaceSharedWithAnotherSandbox) {
  const auto def = plan_of("default");
  auto f = facts();
  f.net_peers = std::vector<std::string>{};
  EXPECT_EQ(outcome(def, f, "RF-NET-001"), Outcome::Pass);
  f.net_peers = std::vector<std::string>{"4321 (/ringfence/other)"};
  const Report r = judge_compliance(def, f, "p");
  EXPECT_EQ(finding(r, "RF-NET-001").outcome, Outcome::Fail);
  EXPECT_NE(finding(r, "RF-NET-001").observed.find("4321 (/ringfence/other)"), std::string::npos);
  const auto joined = plan_with("joined", "[network]\nmode = \"container:other\"\n");
  EXPECT_EQ(outcome(joined, f, "RF-NET-001"), Outcome::Pass) << "the profile joins it";
  f.net_peers.reset();
  EXPECT_EQ(outcome(def, f, "RF-NET-001"), Outcome::Unknown);
  f.namespaces["net"].shared_with_host = true;
  EXPECT_EQ(outcome(def, f, "RF-NET-001"), Outcome::Pass) << "the host's: RF-NS-003 judges it";
}

TEST(ComplianceExposure, SeccompSurfaceAspectsMapToTheirControls) {
  EXPECT_EQ(control_for(policy::StepKind::SeccompLoad, "default action"), "RF-SEC-003");
  EXPECT_EQ(control_for(policy::StepKind::SeccompLoad, "docker-denied calls"), "RF-SEC-004");
  EXPECT_EQ(control_for(policy::StepKind::SeccompLoad, "ABIs"), "RF-SEC-005");
  EXPECT_EQ(control_for(policy::StepKind::SeccompLoad, "filter"), "RF-SEC-002");
}

}  // namespace
}  // namespace ringfence::audit
