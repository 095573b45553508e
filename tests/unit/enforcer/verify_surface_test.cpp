// The seccomp surface checks (what the loaded filters let run beyond the
// plan's: syscalls the profile does not name, Docker's denied calls, other
// ABIs) and cgroup.attach for a container another runtime started.
#include <seccomp.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/enforcer/verify.h"
#include "seccomp_test_support.h"

namespace ringfence::enforcer {
namespace {

const policy::Plan& surface_plan_of(const std::string& profile) {
  static std::map<std::string, policy::Compiled> cache;
  test::enter_source_dir();
  auto it = cache.find(profile);
  if (it == cache.end()) it = cache.emplace(profile, policy::compile({profile})).first;
  EXPECT_TRUE(it->second.ok()) << profile;
  return *it->second.plan;
}

const Verdict& verdict_on(const std::vector<Verdict>& vs, const std::string& aspect) {
  for (const auto& v : vs)
    if (v.aspect == aspect) return v;
  ADD_FAILURE() << "no verdict on " << aspect;
  static const Verdict none;
  return none;
}

ProcessFacts one_thread(std::vector<BpfProgram> filters) {
  ProcessFacts f;
  ThreadFacts t;
  t.tid = 7;
  t.seccomp_mode = 2;
  t.filters = std::move(filters);
  f.threads = {t};
  return f;
}

BpfProgram compiled(const policy::SeccompFilter& filter) {
  std::string error;
  const auto c = compile_filter(filter, error);
  EXPECT_TRUE(c) << error;
  return c ? c->program : BpfProgram{};
}

class SeccompSurface : public ::testing::Test {
 protected:
  const policy::SeccompFilter& plan = std::get<policy::SeccompFilter>(
      surface_plan_of("default").find(policy::StepKind::SeccompLoad)->any_params());
  BpfProgram plan_program = compiled(plan);

  std::vector<Verdict> judge(std::vector<BpfProgram> loaded, const policy::SeccompFilter* against = nullptr) {
    const policy::SeccompFilter& p = against ? *against : plan;
    const BpfProgram program = against ? compiled(*against) : plan_program;
    return verify_seccomp_surface(p, &program, one_thread(std::move(loaded)));
  }
};

TEST_F(SeccompSurface, ThePlansOwnFilterOpensNothing) {
  const auto v = judge({plan_program});
  for (const char* aspect : {"default action", "docker-denied calls", "ABIs"})
    EXPECT_EQ(verdict_on(v, aspect).holds, Holds::Yes) << aspect << ": " << verdict_on(v, aspect).observed;
}

TEST_F(SeccompSurface, ADefaultThatAllowsIsCaught) {
  policy::SeccompFilter deny_list = plan;
  deny_list.default_action = {policy::SeccompActionKind::Allow, 0};
  const auto v = judge({compiled(deny_list)});
  EXPECT_EQ(verdict_on(v, "default action").holds, Holds::No) << verdict_on(v, "default action").observed;
  // Against a profile whose own default allows, it is the profile's choice.
  const auto same = judge({compiled(deny_list)}, &deny_list);
  EXPECT_EQ(verdict_on(same, "default action").holds, Holds::Yes) << verdict_on(same, "default action").observed;
  EXPECT_NE(verdict_on(same, "default action").observed.find("the profile allows"), std::string::npos);
}

TEST_F(SeccompSurface, ADockerDeniedCallAllowedWhateverItsArgumentsIsNamed) {
  policy::SeccompFilter looser = plan;
  looser.rules.push_back({{"bpf"}, {policy::SeccompActionKind::Allow, 0}, {}, {}, ""});
  const auto v = judge({compiled(looser)});
  const Verdict& d = verdict_on(v, "docker-denied calls");
  EXPECT_EQ(d.holds, Holds::No);
  EXPECT_NE(d.observed.find("bpf whatever its arguments"), std::string::npos) << d.observed;
  // The other two questions are not about bpf: bpf is named in the plan.
  EXPECT_EQ(verdict_on(v, "default action").holds, Holds::Yes) << verdict_on(v, "default action").observed;
  EXPECT_EQ(verdict_on(judge({compiled(looser)}, &looser), "docker-denied calls").holds, Holds::Yes) << "the profile's own choice";
}

TEST_F(SeccompSurface, AnotherAbiLeftOpenIsCaught) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "the sub-ABIs named are x86_64's";
  // The plan for the native ABI only; the loaded filter built the same way
  // but for x86 and x32 too, so their calls run where the plan's refuses.
  policy::SeccompFilter native_only = plan;
  native_only.arches = {"x86_64"};
  const auto v = judge({plan_program}, &native_only);
  const Verdict& abis = verdict_on(v, "ABIs");
  EXPECT_EQ(abis.holds, Holds::No);
  EXPECT_NE(abis.observed.find("x86 syscall"), std::string::npos) << abis.observed;
  EXPECT_EQ(verdict_on(v, "docker-denied calls").holds, Holds::Yes);

  // A filter that never looks at the architecture lets a foreign one through.
  BpfProgram allow_all;
  allow_all.insns = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  const auto open = judge({allow_all});
  for (const char* aspect : {"default action", "docker-denied calls", "ABIs"})
    EXPECT_EQ(verdict_on(open, aspect).holds, Holds::No) << aspect;
}

TEST_F(SeccompSurface, UnreadableOrMissingFilters) {
  auto f = one_thread({});
  f.threads[0].filters.reset();
  f.threads[0].filters_unreadable = "EPERM";
  for (const auto& v : verify_seccomp_surface(plan, &plan_program, f)) EXPECT_EQ(v.holds, Holds::Unknown) << v.aspect;
  for (const auto& v : verify_seccomp_surface(plan, nullptr, one_thread({plan_program})))
    EXPECT_EQ(v.holds, Holds::Unknown) << v.aspect << ": the plan's filter does not compile";
  for (const auto& v : verify_seccomp_surface(plan, &plan_program, one_thread({})))
    EXPECT_EQ(v.holds, Holds::No) << v.aspect << ": no filter, every call runs";
  for (const auto& v : verify_seccomp_surface(plan, &plan_program, ProcessFacts{}))
    EXPECT_EQ(v.holds, Holds::Unknown) << v.aspect;
}

// --pid on a process no ringfence state names: ringfence's cgroup naming
// applies only to its own sandboxes.
TEST(VerifyCgroupAttach, AContainerAnotherRuntimeStartedIsJudgedByItsOwnCgroup) {
  ProcessFacts f;
  f.cgroup_version = 1;
  f.cgroups = std::vector<CgroupMembership>{{"memory", "/machine.slice/libpod-abc.scope"},
                                            {"pids", "/machine.slice/libpod-abc.scope"}};
  f.cgroup_dirs = {{"memory", "/nonexistent/memory/machine.slice/libpod-abc.scope"},
                   {"pids", "/nonexistent/pids/machine.slice/libpod-abc.scope"}};
  f.namespaces["pid"].shared_with_host = false;
  f.namespaces["mnt"].shared_with_host = false;
  auto v = verify_cgroup_attach(f)[0];
  EXPECT_EQ(v.holds, Holds::Yes) << v.observed;
  EXPECT_NE(v.observed.find("another runtime"), std::string::npos) << v.observed;

  // In the root cgroup it escapes every limit, whoever started it.
  (*f.cgroups)[1].path = "/";
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::No);
  (*f.cgroups)[1].path = "/machine.slice/libpod-abc.scope";

  // A host process (the host's pid and mount namespaces) is no container.
  f.namespaces["pid"].shared_with_host = true;
  f.namespaces["mnt"].shared_with_host = true;
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::No);
  f.namespaces["mnt"].shared_with_host = false;

  // Half in ringfence's cgroup: a sandbox's process moved out.
  (*f.cgroups)[0].path = "/ringfence/app";
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::No);

  // Checked by name, the sandbox's own cgroup is required.
  (*f.cgroups)[0].path = "/machine.slice/libpod-abc.scope";
  f.sandbox = "app";
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::No);
}

// Per-device files hold one line per device; v2's io.max adds the limits
// not written as "max". The check finds the written device's line.
TEST(VerifyCgroupLimits, BlockIoIsReadBackPerDevice) {
  policy::CgroupParams p;
  p.io_devices = {{.major = 254, .minor = 0, .read_bps = 1048576}};
  ProcessFacts f;
  f.cgroup_version = 1;
  f.cgroup_dirs = {{"blkio", "/b"}};
  f.cgroup_files["/b/blkio.throttle.read_bps_device"] = "7:0 5\n254:0 1048576";
  auto v = verify_cgroup_limits(p, f);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].holds, Holds::Yes) << v[0].observed;
  EXPECT_EQ(v[0].aspect, "io blkio.throttle.read_bps_device");
  f.cgroup_files["/b/blkio.throttle.read_bps_device"] = "254:0 2097152";
  EXPECT_EQ(verify_cgroup_limits(p, f)[0].holds, Holds::No);
  f.cgroup_files["/b/blkio.throttle.read_bps_device"] = "";
  EXPECT_EQ(verify_cgroup_limits(p, f)[0].holds, Holds::No) << "the throttle removed";

  // v2: the io controller's files are there only where it is enabled (a
  // scratch directory with io.stat stands for such a cgroup).
  char tmpl[] = "/tmp/rf-verify-io.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string u = tmpl;
  f.cgroup_version = 2;
  f.cgroup_dirs = {{"", u}};
  f.cgroup_files[u + "/io.max"] = "254:0 rbps=1048576 wbps=max riops=max wiops=max";
  auto v2 = verify_cgroup_limits(p, f);
  EXPECT_EQ(v2[0].holds, Holds::No) << "without the io controller the limit is not in force: " << v2[0].observed;
  std::ofstream(u + "/io.stat") << "";
  EXPECT_EQ(verify_cgroup_limits(p, f)[0].holds, Holds::Yes);
  f.cgroup_files[u + "/io.max"] = "254:0 rbps=max wbps=1048576 riops=max wiops=max";
  EXPECT_EQ(verify_cgroup_limits(p, f)[0].holds, Holds::No);
  std::filesystem::remove_all(u);
}

// A unified file reads back as the kernel shows it: bytes for "512M",
// "10.00" for "10".
TEST(VerifyCgroupLimits, UnifiedFilesAreReadBackAsTheKernelShowsThem) {
  policy::CgroupParams p;
  p.unified = {{"memory.high", "512M"}, {"cpu.uclamp.min", "10"}};
  ProcessFacts f;
  f.cgroup_version = 2;
  f.cgroup_dirs = {{"", "/u"}};
  f.cgroup_files["/u/memory.high"] = "536870912";
  f.cgroup_files["/u/cpu.uclamp.min"] = "10.00";
  auto v = verify_cgroup_limits(p, f);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].holds, Holds::Yes) << v[0].observed;
  EXPECT_EQ(v[1].holds, Holds::Yes) << v[1].observed;
  f.cgroup_files["/u/memory.high"] = "max";
  f.cgroup_files["/u/cpu.uclamp.min"] = "20.00";
  v = verify_cgroup_limits(p, f);
  EXPECT_EQ(v[0].holds, Holds::No);
  EXPECT_EQ(v[1].holds, Holds::No);
  f.cgroup_files.erase("/u/memory.high");
  EXPECT_EQ(verify_cgroup_limits(p, f)[1].holds, Holds::Unknown) << "not read: unknown, never a pass";
}

TEST(VerifyCgroupLimits, HugePageLimitsAreReadBack) {
  // The kernel's files in a scratch directory: which sizes exist decides
  // what is written, and so what is compared.
  char tmpl[] = "/tmp/rf-verify-hugetlb.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string d = tmpl;
  std::ofstream(d + "/hugetlb.2MB.limit_in_bytes") << "";
  policy::CgroupParams p;
  p.hugepages = {{.page_size = "2MB", .limit = 4194304}};
  ProcessFacts f;
  f.cgroup_version = 1;
  f.cgroup_dirs = {{"hugetlb", d}};
  f.cgroup_files[d + "/hugetlb.2MB.limit_in_bytes"] = "4194304";
  auto v = verify_cgroup_limits(p, f);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].holds, Holds::Yes) << v[0].observed;
  EXPECT_EQ(v[0].aspect, "hugetlb hugetlb.2MB.limit_in_bytes");
  f.cgroup_files[d + "/hugetlb.2MB.limit_in_bytes"] = "9223372036854771712";
  EXPECT_EQ(verify_cgroup_limits(p, f)[0].holds, Holds::No) << "the limit lifted";
  std::filesystem::remove_all(d);
}

// A sandbox without block I/O limits is not in a blkio cgroup of its own:
// that is not a process moved out of its cgroup.
TEST(VerifyCgroupAttach, TheBlkioHierarchyIsNotRequired) {
  ProcessFacts f;
  f.cgroup_version = 1;
  f.sandbox = "app";
  f.cgroups = std::vector<CgroupMembership>{{"memory", "/ringfence/app"}, {"blkio", "/"}};
  f.cgroup_dirs = {{"memory", "/nonexistent/memory/ringfence/app"}, {"blkio", "/nonexistent/blkio"}};
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::Yes) << verify_cgroup_attach(f)[0].observed;
  (*f.cgroups)[0].path = "/";
  EXPECT_EQ(verify_cgroup_attach(f)[0].holds, Holds::No);
}

// On a kernel without a kind of namespace (time, before Linux 5.6) every
// process shares the host's: a plan that asks for none of its own passes,
// instead of every check of every sandbox being unknown there. A process
// that is gone stays unknown.
TEST(NamespaceFacts, AKindTheKernelLacksIsTheHostsAndAGoneProcessIsUnknown) {
  const auto lacking = namespace_fact("/proc/self", "no-such-kind");
  EXPECT_EQ(lacking.shared_with_host, std::optional<bool>(true));
  EXPECT_EQ(lacking.id, "none: this kernel has no no-such-kind namespaces");
  const auto own = namespace_fact("/proc/self", "net");
  EXPECT_TRUE(own.shared_with_host.has_value());
  EXPECT_FALSE(namespace_fact("/proc/no-such-process", "net").shared_with_host.has_value());
  EXPECT_FALSE(namespace_fact("/proc/no-such-process", "no-such-kind").shared_with_host.has_value());
}

}  // namespace
}  // namespace ringfence::enforcer
