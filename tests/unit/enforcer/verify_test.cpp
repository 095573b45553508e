// The verify face of each step kind, on process facts made by hand: the
// step holds, does not hold (naming the thread or mount), or cannot be
// judged — and unknown is never a pass.
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/verify.h"
#include "seccomp_test_support.h"

namespace ringfence::enforcer {
namespace {

const policy::Plan& plan_of(const std::string& profile) {
  static std::map<std::string, policy::Compiled> cache;
  test::enter_source_dir();
  auto it = cache.find(profile);
  if (it == cache.end()) it = cache.emplace(profile, policy::compile({profile})).first;
  EXPECT_TRUE(it->second.ok()) << profile;
  return *it->second.plan;
}

ThreadFacts thread(pid_t tid, std::uint64_t caps) {
  ThreadFacts t;
  t.tid = tid;
  t.cap_bnd = t.cap_prm = t.cap_eff = caps;
  t.cap_inh = t.cap_amb = 0;
  t.no_new_privs = 1;
  t.seccomp_mode = 2;
  t.uids = t.gids = std::array<std::uint32_t, 4>{0, 0, 0, 0};
  return t;
}

ProcessFacts host_identity_facts() {
  ProcessFacts f;
  f.pid = 4242;
  f.uid_map = f.gid_map = std::vector<policy::IdMapping>{{0, 0, 4294967295u}};
  return f;
}

Holds holds_of(const std::vector<Verdict>& vs, const std::string& aspect) {
  for (const auto& v : vs)
    if (v.aspect == aspect) return v.holds;
  ADD_FAILURE() << "no verdict on " << aspect;
  return Holds::Unknown;
}

const policy::Step& step(const policy::Plan& plan, const std::string& name) {
  const policy::Step* s = plan.find(policy::step_kind(name).value());
  EXPECT_NE(s, nullptr) << name;
  return *s;
}

constexpr std::uint64_t kDockerCaps = 0xa80425fb;

TEST(VerifyCaps, EveryThreadMustHoldThePlansSets) {
  const auto& plan = plan_of("default");
  auto f = host_identity_facts();
  f.threads = {thread(4242, kDockerCaps), thread(4243, kDockerCaps)};
  EXPECT_EQ(holds_of(verify_step(step(plan, "caps.bounding"), plan, f), "CapBnd"), Holds::Yes);
  const auto sets = verify_step(step(plan, "caps.sets"), plan, f);
  EXPECT_EQ(holds_of(sets, "CapPrm"), Holds::Yes);
  EXPECT_EQ(holds_of(sets, "CapAmb"), Holds::Yes);

  // One thread with one more capability: caught, and named.
  f.threads[1].cap_bnd = kDockerCaps | (1ull << 21);
  const auto v = verify_step(step(plan, "caps.bounding"), plan, f);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].holds, Holds::No);
  EXPECT_EQ(v[0].observed, "CapBnd=00000000a82425fb on tid 4243");
  EXPECT_EQ(v[0].expected, "00000000a80425fb");

  // One with fewer is not the plan either.
  f.threads[1].cap_bnd = kDockerCaps & ~1ull;
  EXPECT_EQ(holds_of(verify_step(step(plan, "caps.bounding"), plan, f), "CapBnd"), Holds::No);

  // A set the kernel does not show: unknown, not pass.
  f.threads[1].cap_bnd.reset();
  EXPECT_EQ(holds_of(verify_step(step(plan, "caps.bounding"), plan, f), "CapBnd"), Holds::Unknown);
}

TEST(VerifyCaps, ANonRootUserKeepsOnlyItsAmbientCapabilities) {
  const auto& plan = plan_of("application");  // uid 65534, ambient NET_BIND_SERVICE
  auto f = host_identity_facts();
  const auto& caps = std::get<policy::CapSets>(step(plan, "caps.sets").any_params());
  ThreadFacts t = thread(7, permitted_for(caps, 65534));
  t.cap_bnd = caps.bounding;
  t.cap_inh = caps.inheritable;
  t.cap_amb = caps.ambient;
  t.uids = std::array<std::uint32_t, 4>{65534, 65534, 65534, 65534};
  f.threads = {t};
  EXPECT_EQ(permitted_for(caps, 65534), 1ull << 10);
  const auto sets = verify_step(step(plan, "caps.sets"), plan, f);
  EXPECT_EQ(holds_of(sets, "CapPrm"), Holds::Yes);
  EXPECT_EQ(holds_of(sets, "CapInh"), Holds::Yes);
  EXPECT_EQ(holds_of(verify_step(step(plan, "caps.ambient"), plan, f), "CapAmb"), Holds::Yes);
  f.threads[0].cap_amb = 0;
  EXPECT_EQ(holds_of(verify_step(step(plan, "caps.ambient"), plan, f), "CapAmb"), Holds::No);
  // Without the uid map the uid inside cannot be known: unknown.
  f.uid_map.reset();
  EXPECT_EQ(holds_of(verify_step(step(plan, "caps.sets"), plan, f), "CapPrm"), Holds::Unknown);
}

TEST(VerifyProcess, NoNewPrivsOnEveryThread) {
  auto f = host_identity_facts();
  f.threads = {thread(1, 0), thread(2, 0)};
  EXPECT_EQ(verify_no_new_privs(f)[0].holds, Holds::Yes);
  f.threads[1].no_new_privs = 0;
  EXPECT_EQ(verify_no_new_privs(f)[0].holds, Holds::No);
  EXPECT_EQ(verify_no_new_privs(f)[0].observed, "NoNewPrivs=0 on tid 2");
  f.threads[1].no_new_privs.reset();  // a kernel before 4.10
  EXPECT_EQ(verify_no_new_privs(f)[0].holds, Holds::Unknown);
  f.threads.clear();
  EXPECT_EQ(verify_no_new_privs(f)[0].holds, Holds::Unknown);
}

TEST(VerifyProcess, Rlimits) {
  const auto& plan = plan_of("application");  // core 0, nofile 1024:4096
  auto f = host_identity_facts();
  f.limits = std::map<std::string, RlimitValue>{{"Max core file size", {0, 0}}, {"Max open files", {1024, 4096}}};
  const auto& s = step(plan, "process.rlimits");
  EXPECT_EQ(holds_of(verify_step(s, plan, f), "rlimit nofile"), Holds::Yes);
  EXPECT_EQ(holds_of(verify_step(s, plan, f), "rlimit core"), Holds::Yes);
  f.limits->at("Max open files").hard = 1048576;
  EXPECT_EQ(holds_of(verify_step(s, plan, f), "rlimit nofile"), Holds::No);
  f.limits.reset();
  EXPECT_EQ(holds_of(verify_step(s, plan, f), "rlimit nofile"), Holds::Unknown);
}

TEST(VerifySeccomp, TheLoadedFilterMustDecideLikeThePlans) {
  const auto& plan = plan_of("default");
  const auto& filter = std::get<policy::SeccompFilter>(step(plan, "seccomp.load").any_params());
  std::string error;
  const auto same = compile_filter(filter, error);
  ASSERT_TRUE(same) << error;
  auto f = host_identity_facts();
  f.threads = {thread(9, kDockerCaps)};
  f.threads[0].filters = std::vector<BpfProgram>{same->program};
  auto v = verify_seccomp(filter, f);
  EXPECT_EQ(holds_of(v, "Seccomp"), Holds::Yes);
  EXPECT_EQ(holds_of(v, "filter"), Holds::Yes);

  // A filter that allows one syscall more (the first rule loses a condition
  // or, without conditions, the default becomes allow) is caught.
  policy::SeccompFilter looser = filter;
  looser.rules.push_back({{"ptrace", "mount"}, {policy::SeccompActionKind::Allow, 0}, {}, {}, ""});
  const auto other = compile_filter(looser, error);
  ASSERT_TRUE(other) << error;
  f.threads[0].filters = std::vector<BpfProgram>{other->program};
  v = verify_seccomp(filter, f);
  EXPECT_EQ(holds_of(v, "filter"), Holds::No);
  for (const auto& x : v)
    if (x.aspect == "filter") {
      EXPECT_NE(x.observed.find("ALLOW"), std::string::npos) << x.observed;
    }

  // A second, stricter filter stacked on the right one changes decisions too.
  policy::SeccompFilter deny_getpid;
  deny_getpid.default_action = {policy::SeccompActionKind::Allow, 0};
  deny_getpid.arches = filter.arches;
  deny_getpid.rules.push_back({{"getpid"}, {policy::SeccompActionKind::Errno, 1}, {}, {}, ""});
  const auto extra = compile_filter(deny_getpid, error);
  ASSERT_TRUE(extra) << error;
  f.threads[0].filters = std::vector<BpfProgram>{extra->program, same->program};
  EXPECT_EQ(holds_of(verify_seccomp(filter, f), "filter"), Holds::No);

  // Unreadable (no CAP_SYS_ADMIN, or a kernel without CHECKPOINT_RESTORE): unknown.
  f.threads[0].filters.reset();
  f.threads[0].filters_unreadable = "EPERM";
  EXPECT_EQ(holds_of(verify_seccomp(filter, f), "filter"), Holds::Unknown);

  // No filter at all.
  f.threads[0].seccomp_mode = 0;
  f.threads[0].filters = std::vector<BpfProgram>{};
  v = verify_seccomp(filter, f);
  EXPECT_EQ(holds_of(v, "Seccomp"), Holds::No);
  EXPECT_EQ(holds_of(v, "filter"), Holds::No);
}

// The BPF that libseccomp itself makes of `ctx`: a program that ringfence's
// compiler had no part in.
BpfProgram libseccomp_program(scmp_filter_ctx ctx) {
  BpfProgram p;
  const int fd = memfd_create("bpf", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(seccomp_export_bpf(ctx, fd), 0);
  const off_t size = lseek(fd, 0, SEEK_END);
  p.insns.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  EXPECT_EQ(pread(fd, p.insns.data(), static_cast<std::size_t>(size), 0), size);
  close(fd);
  return p;
}

// The positive case above compares compile_filter's output with itself. Here
// the loaded filter is written with libseccomp's own calls, on x86_64 alone:
// allow by default, mount and reboot refused with EPERM. The plan that says
// the same holds; a loaded filter that answers EACCES for reboot, or that
// forgets mount, does not.
TEST(VerifySeccomp, AFilterWrittenWithLibseccompAloneIsJudgedByItsDecisions) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "the hand-written filter is for x86_64";
  policy::SeccompFilter plan;
  plan.default_action = {policy::SeccompActionKind::Allow, 0};
  plan.arches = {"x86_64"};
  plan.rules.push_back({{"mount", "reboot"}, {policy::SeccompActionKind::Errno, EPERM}, {}, {}, ""});

  auto loaded = [](int reboot_errno, bool with_mount) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);  // the native arch only
    EXPECT_NE(ctx, nullptr);
    if (with_mount) {
      EXPECT_EQ(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0), 0);
    }
    EXPECT_EQ(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(static_cast<std::uint32_t>(reboot_errno)), SCMP_SYS(reboot), 0), 0);
    BpfProgram p = libseccomp_program(ctx);
    seccomp_release(ctx);
    return p;
  };
  auto f = host_identity_facts();
  f.threads = {thread(9, kDockerCaps)};

  f.threads[0].filters = std::vector<BpfProgram>{loaded(EPERM, true)};
  EXPECT_EQ(holds_of(verify_seccomp(plan, f), "filter"), Holds::Yes);
  f.threads[0].filters = std::vector<BpfProgram>{loaded(EACCES, true)};
  EXPECT_EQ(holds_of(verify_seccomp(plan, f), "filter"), Holds::No) << "reboot answers EACCES, the plan EPERM";
  f.threads[0].filters = std::vector<BpfProgram>{loaded(EPERM, false)};
  EXPECT_EQ(holds_of(verify_seccomp(plan, f), "filter"), Holds::No) << "mount is allowed";
}

TEST(VerifyNamespaces, PrivateWhereThePlanSaysAndHostWhereItLeavesThem) {
  const auto& plan = plan_of("default");
  auto f = host_identity_facts();
  // On the host's root default has every namespace of its own, the user
  // namespace included.
  for (const char* kind : {"mnt", "pid", "ipc", "uts", "net", "cgroup", "user"})
    f.namespaces[kind].shared_with_host = false;
  f.namespaces["time"].shared_with_host = true;  // default keeps the host's clocks
  f.net_interfaces = std::vector<std::string>{"lo"};
  const auto& s = step(plan, "namespaces.create");
  auto v = verify_step(s, plan, f);
  for (const auto& x : v) EXPECT_EQ(x.holds, Holds::Yes) << x.aspect << ": " << x.observed;
  f.namespaces["pid"].shared_with_host = true;
  f.net_interfaces->push_back("eth0");
  v = verify_step(s, plan, f);
  EXPECT_EQ(holds_of(v, "ns pid"), Holds::No);
  EXPECT_EQ(holds_of(v, "net interfaces"), Holds::No);
  f.namespaces["ipc"].shared_with_host.reset();
  EXPECT_EQ(holds_of(verify_step(s, plan, f), "ns ipc"), Holds::Unknown);
}

TEST(VerifyNamespaces, StrictsUserNamespaceMaps) {
  const auto& plan = plan_of("strict");
  auto f = host_identity_facts();
  const auto& s = step(plan, "userns.maps");
  f.uid_map = f.gid_map = std::vector<policy::IdMapping>{{0, 100000, 65536}};
  f.setgroups = "deny";
  for (const auto& x : verify_step(s, plan, f)) EXPECT_EQ(x.holds, Holds::Yes) << x.aspect;
  f.uid_map = std::vector<policy::IdMapping>{{0, 0, 4294967295u}};
  f.setgroups = "allow";
  auto v = verify_step(s, plan, f);
  EXPECT_EQ(holds_of(v, "uid_map"), Holds::No);
  EXPECT_EQ(holds_of(v, "setgroups"), Holds::No);
  EXPECT_EQ(holds_of(v, "gid_map"), Holds::Yes);
}

MountInfo mount(const std::string& point, const std::string& options, const std::string& fstype = "tmpfs",
                const std::string& root = "/") {
  MountInfo m;
  m.mount_point = point;
  m.options = options;
  m.fstype = fstype;
  m.root = root;
  return m;
}

TEST(VerifyMounts, ReadOnlyRootMaskedAndReadOnlyPaths) {
  auto f = host_identity_facts();
  f.mounts = std::vector<MountInfo>{mount("/", "ro,nosuid", "ext4"), mount("/proc", "rw,nosuid,nodev,noexec", "proc"),
                                    mount("/proc/kcore", "rw,nosuid,noexec", "devtmpfs", "/null"),
                                    mount("/proc/acpi", "ro,nosuid,nodev,noexec"),
                                    mount("/proc/sys", "ro,nosuid,nodev", "proc", "/sys")};
  EXPECT_EQ(verify_readonly_root(f)[0].holds, Holds::Yes);
  policy::PathsParams masked{{"/proc/kcore", "/proc/acpi", "/proc/asound", "/proc/keys"}};
  f.path_exists = {{"/proc/kcore", true}, {"/proc/acpi", true}, {"/proc/asound", false}, {"/proc/keys", true}};
  auto v = verify_masked_paths(masked, f);
  EXPECT_EQ(holds_of(v, "masked /proc/kcore"), Holds::Yes);
  EXPECT_EQ(holds_of(v, "masked /proc/acpi"), Holds::Yes);
  EXPECT_EQ(holds_of(v, "masked /proc/asound"), Holds::Yes) << "absent: nothing to hide";
  EXPECT_EQ(holds_of(v, "masked /proc/keys"), Holds::No) << "visible and not covered";
  f.path_exists.erase("/proc/keys");
  EXPECT_EQ(holds_of(verify_masked_paths(masked, f), "masked /proc/keys"), Holds::Unknown);

  policy::PathsParams ro{{"/proc/sys", "/proc/bus"}};
  f.path_exists = {{"/proc/sys", true}, {"/proc/bus", true}};
  v = verify_readonly_paths(ro, f);
  EXPECT_EQ(holds_of(v, "read-only /proc/sys"), Holds::Yes);
  EXPECT_EQ(holds_of(v, "read-only /proc/bus"), Holds::No) << "held by the writable /proc";

  (*f.mounts)[0].options = "rw,nosuid";
  EXPECT_EQ(verify_readonly_root(f)[0].holds, Holds::No);
  f.mounts.reset();
  EXPECT_EQ(verify_readonly_root(f)[0].holds, Holds::Unknown);
}

TEST(VerifyMounts, TmpfsFlagsProcFlagsAndPropagation) {
  const auto& plan = plan_of("application");  // /tmp tmpfs
  auto f = host_identity_facts();
  f.mounts = std::vector<MountInfo>{mount("/", "ro", "ext4"), mount("/tmp", "rw,nosuid,nodev,noexec"),
                                    mount("/proc", "rw,nosuid,nodev,noexec", "proc")};
  const auto& tmpfs = step(plan, "mount.tmpfs");
  EXPECT_EQ(verify_step(tmpfs, plan, f)[0].holds, Holds::Yes);
  EXPECT_EQ(verify_step(step(plan, "mount.proc"), plan, f)[0].holds, Holds::Yes);
  EXPECT_EQ(verify_step(step(plan, "mount.propagation"), plan, f)[0].holds, Holds::Yes);
  (*f.mounts)[1].options = "rw,nodev";
  (*f.mounts)[2].options = "rw,nosuid,nodev";
  (*f.mounts)[0].optional = {"shared:1"};
  EXPECT_EQ(verify_step(tmpfs, plan, f)[0].holds, Holds::No);
  EXPECT_EQ(verify_step(step(plan, "mount.proc"), plan, f)[0].holds, Holds::No);
  EXPECT_EQ(verify_step(step(plan, "mount.propagation"), plan, f)[0].holds, Holds::No);
}

TEST(VerifyCgroup, LimitsAttachAndDevicesFromTheProcesssOwnDirectories) {
  const auto& plan = plan_of("application");  // memory 512M, memory_swap 512M, cpus 1, pids 256
  auto f = host_identity_facts();
  f.cgroup_version = 1;
  f.sandbox = "app";
  f.cgroups = std::vector<CgroupMembership>{{"memory", "/ringfence/app"}, {"pids", "/ringfence/app"},
                                            {"cpu", "/ringfence/app"}, {"devices", "/ringfence/app"}};
  for (const char* c : {"memory", "pids", "cpu", "devices"})
    f.cgroup_dirs.emplace_back(c, fmt::format("/nonexistent/{}/ringfence/app", c));
  f.cgroup_files["/nonexistent/memory/ringfence/app/memory.limit_in_bytes"] = "536870912";
  f.cgroup_files["/nonexistent/pids/ringfence/app/pids.max"] = "256";
  f.cgroup_files["/nonexistent/cpu/ringfence/app/cpu.cfs_period_us"] = "100000";
  f.cgroup_files["/nonexistent/cpu/ringfence/app/cpu.cfs_quota_us"] = "100000";
  const auto& create = step(plan, "cgroup.create");
  auto v = verify_step(create, plan, f);
  ASSERT_FALSE(v.empty());
  for (const auto& x : v) EXPECT_EQ(x.holds, Holds::Yes) << x.aspect << ": " << x.observed << " vs " << x.expected;
  f.cgroup_files["/nonexistent/pids/ringfence/app/pids.max"] = "max";
  EXPECT_EQ(holds_of(verify_step(create, plan, f), "pids.max"), Holds::No);
  f.cgroup_files.erase("/nonexistent/pids/ringfence/app/pids.max");
  EXPECT_EQ(holds_of(verify_step(create, plan, f), "pids.max"), Holds::Unknown);

  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::Yes);
  (*f.cgroups)[1].path = "/";
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::No);

  const auto& devices = step(plan, "devices.cgroup");
  f.cgroup_files["/nonexistent/devices/ringfence/app/devices.list"] = "a *:* rwm";
  EXPECT_EQ(verify_step(devices, plan, f)[0].holds, Holds::No);
  f.cgroup_version = 2;
  EXPECT_EQ(verify_step(devices, plan, f)[0].holds, Holds::Unknown) << "v2 devices are an eBPF program";
}

TEST(VerifyLsm, LabelsAndLandlock) {
  auto f = host_identity_facts();
  f.threads = {thread(3, 0)};
  policy::AppArmorParams aa;
  aa.profile = "ringfence-default";
  EXPECT_EQ(verify_apparmor(aa, f)[0].holds, Holds::Unknown) << "no LSM label exposed";
  f.threads[0].attr_current = "ringfence-default (enforce)";
  EXPECT_EQ(verify_apparmor(aa, f)[0].holds, Holds::Yes);
  f.threads[0].attr_current = "ringfence-default (complain)";
  EXPECT_EQ(verify_apparmor(aa, f)[0].holds, Holds::No);
  policy::SELinuxParams se;
  se.label = "system_u:system_r:container_t:s0";
  f.threads[0].attr_current = "unconfined_u:unconfined_r:unconfined_t:s0";
  EXPECT_EQ(verify_selinux(se, f)[0].holds, Holds::No);

  EXPECT_EQ(verify_landlock(f)[0].holds, Holds::Unknown) << "a bare pid: Landlock has no /proc view";
  f.launcher = ProcessFacts::LauncherRecord{};
  EXPECT_EQ(verify_landlock(f)[0].holds, Holds::No) << "a sandbox whose plan had no Landlock";
  f.launcher->applied.insert("landlock.restrict");
  EXPECT_EQ(verify_landlock(f)[0].holds, Holds::Yes);
  f.launcher->applied.erase("landlock.restrict");
  f.launcher->skipped.insert("landlock.restrict");
  EXPECT_EQ(verify_landlock(f)[0].holds, Holds::No);
}

}  // namespace
}  // namespace ringfence::enforcer
