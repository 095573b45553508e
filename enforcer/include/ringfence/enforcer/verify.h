// The verify face of each step kind: given a step of a plan and the facts
// read off a live process, does the step hold? The apply face makes it so;
// both use the same definitions (the plan's parameters and the enforcer's
// computations from them, e.g. permitted_for, cgroup_limit_writes,
// compile_filter), so there is no second copy of the rules.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ringfence/enforcer/process_facts.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

enum class Holds { Yes, No, Unknown };

// One aspect of a step judged: "CapBnd", "no_new_privs", "ns pid"...
struct Verdict {
  // The step judged; none for the exposures that no step makes (a
  // privileged process, an unexpected capability).
  std::optional<policy::StepKind> step;
  std::string aspect;  // what was compared
  Holds holds = Holds::Unknown;
  std::string observed, expected;  // "CapBnd=00000000a80425fb on tid 4242" / "00000000a80425fb"
};

// Every aspect of `step` that can be judged on a live process; empty for a
// step with nothing to see afterwards (seccomp.compile, process.exec...).
std::vector<Verdict> verify_step(const policy::Step& step, const policy::Plan& plan, const ProcessFacts& facts);

// One function per step kind; verify_step dispatches to them.
std::vector<Verdict> verify_caps(policy::StepKind kind, const policy::CapSets& sets, const policy::Plan& plan,
                                 const ProcessFacts& facts);
std::vector<Verdict> verify_no_new_privs(const ProcessFacts& facts);
std::vector<Verdict> verify_rlimits(const policy::RlimitsParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_oom_score(const policy::OomScoreParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_seccomp(const policy::SeccompFilter& filter, const ProcessFacts& facts);
// Part of verify_seccomp: what the loaded filters let run beyond the plan's
// (`plan_program`, null when it does not compile here) for the syscalls the
// profile does not name, Docker's denied calls and the other ABIs.
std::vector<Verdict> verify_seccomp_surface(const policy::SeccompFilter& filter, const BpfProgram* plan_program,
                                            const ProcessFacts& facts);
std::vector<Verdict> verify_namespaces(const policy::NamespacesParams& params, const policy::Plan& plan,
                                       const ProcessFacts& facts);
std::vector<Verdict> verify_userns_maps(const policy::UserNsParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_user_ids(const policy::IdentityParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_readonly_root(const ProcessFacts& facts);
std::vector<Verdict> verify_masked_paths(const policy::PathsParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_readonly_paths(const policy::PathsParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_mount_entries(policy::StepKind step, const policy::MountsParams& params,
                                          const ProcessFacts& facts);
std::vector<Verdict> verify_proc_mount(const policy::ProcParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_sys_mount(const policy::SysParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_propagation(const policy::PropagationParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_cgroup_limits(const policy::CgroupParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_cgroup_attach(const ProcessFacts& facts);
// What v1's devices.list shows after the rules are written in order.
std::set<std::string> device_list_for(const policy::DeviceCgroupParams& params);
std::vector<Verdict> verify_device_rules(const policy::DeviceCgroupParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_apparmor(const policy::AppArmorParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_selinux(const policy::SELinuxParams& params, const ProcessFacts& facts);
std::vector<Verdict> verify_landlock(const ProcessFacts& facts);

// The paths verify_step will ask about (masked and read-only paths), for
// FactsOptions::probe_paths.
std::vector<std::string> paths_to_probe(const policy::Plan& plan);
// The cgroup files beyond the limits every check reads (the plan's unified
// ones), for FactsOptions::cgroup_files.
std::vector<std::string> cgroup_files_to_read(const policy::Plan& plan);

// The innermost mount of `mounts` that holds `path` (by mount point).
const MountInfo* mount_holding(const std::vector<MountInfo>& mounts, const std::string& path);

}  // namespace ringfence::enforcer
