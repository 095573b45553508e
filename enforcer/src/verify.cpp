// verify_step: what each step kind leaves to see on a live process. Every
// kind is named (no default): a new kind must say how it is verified, or
// that it leaves nothing to see.
#include "ringfence/enforcer/verify.h"

namespace ringfence::enforcer {
namespace {

using policy::StepKind;

// The kinds that only prepare, or whose effect a /proc snapshot cannot
// show (or that another kind's verify covers).
std::vector<Verdict> nothing_to_see() { return {}; }

}  // namespace

std::vector<Verdict> verify_step(const policy::Step& step, const policy::Plan& plan, const ProcessFacts& facts) {
  switch (step.kind()) {
    case StepKind::CapsBounding:
      return verify_caps(step.kind(), *step.params_if<StepKind::CapsBounding>(), plan, facts);
    case StepKind::CapsSets: return verify_caps(step.kind(), *step.params_if<StepKind::CapsSets>(), plan, facts);
    case StepKind::CapsAmbient: return verify_caps(step.kind(), *step.params_if<StepKind::CapsAmbient>(), plan, facts);
    case StepKind::ProcessNoNewPrivileges: return verify_no_new_privs(facts);
    case StepKind::ProcessRlimits: return verify_rlimits(*step.params_if<StepKind::ProcessRlimits>(), facts);
    case StepKind::ProcessOomScoreAdj: return verify_oom_score(*step.params_if<StepKind::ProcessOomScoreAdj>(), facts);
    case StepKind::SeccompLoad: return verify_seccomp(*step.params_if<StepKind::SeccompLoad>(), facts);
    case StepKind::NamespacesCreate:
      return verify_namespaces(*step.params_if<StepKind::NamespacesCreate>(), plan, facts);
    case StepKind::UsernsMaps: return verify_userns_maps(*step.params_if<StepKind::UsernsMaps>(), facts);
    case StepKind::UserIds: return verify_user_ids(*step.params_if<StepKind::UserIds>(), facts);
    case StepKind::MountReadonlyRoot: return verify_readonly_root(facts);
    case StepKind::MountMaskedPaths: return verify_masked_paths(*step.params_if<StepKind::MountMaskedPaths>(), facts);
    case StepKind::MountReadonlyPaths:
      return verify_readonly_paths(*step.params_if<StepKind::MountReadonlyPaths>(), facts);
    case StepKind::MountVolumes:
      return verify_mount_entries(step.kind(), *step.params_if<StepKind::MountVolumes>(), facts);
    case StepKind::MountTmpfs: return verify_mount_entries(step.kind(), *step.params_if<StepKind::MountTmpfs>(), facts);
    case StepKind::MountProc: return verify_proc_mount(*step.params_if<StepKind::MountProc>(), facts);
    case StepKind::MountSys: return verify_sys_mount(*step.params_if<StepKind::MountSys>(), facts);
    case StepKind::MountPropagation: return verify_propagation(*step.params_if<StepKind::MountPropagation>(), facts);
    case StepKind::CgroupCreate: return verify_cgroup_limits(*step.params_if<StepKind::CgroupCreate>(), facts);
    case StepKind::CgroupAttach: return verify_cgroup_attach(facts);
    case StepKind::DevicesCgroup: return verify_device_rules(*step.params_if<StepKind::DevicesCgroup>(), facts);
    case StepKind::ApparmorExecLabel: return verify_apparmor(*step.params_if<StepKind::ApparmorExecLabel>(), facts);
    case StepKind::SelinuxExecLabel: return verify_selinux(*step.params_if<StepKind::SelinuxExecLabel>(), facts);
    case StepKind::LandlockRestrict: return verify_landlock(facts);
    // Preparation in the parent: nothing of it is on the process.
    case StepKind::ImageVerify:
    case StepKind::SeccompCompile:
    case StepKind::ApparmorCheck:
    case StepKind::SelinuxCheck:
    case StepKind::LandlockCheck:
    case StepKind::SuidScan:
    case StepKind::UsernsIds:
    case StepKind::MountSources:
    case StepKind::NamespacesJoin:
    // Seen through another kind's verify (the namespaces, the ids, the
    // mounts), or with no /proc view at all.
    case StepKind::ProcessDumpableOff:
    case StepKind::UsernsEnter:
    case StepKind::NetLoopback:
    case StepKind::MountRootfs:
    case StepKind::SuidStrip:
    case StepKind::MountDev:
    case StepKind::DevicesNodes:
    case StepKind::MountHideRuntime:
    case StepKind::MountPivotRoot:
    case StepKind::UtsHostname:
    case StepKind::NamespacesTime:  // the namespace itself: namespaces.create's "ns time"
    case StepKind::ProcessNewSession:
    case StepKind::ProcessCloseFds:
    case StepKind::ProcessCwd:
    case StepKind::UserGroups:
    case StepKind::ProcessInit:
    case StepKind::ProcessExec:
    case StepKind::Supervise:
      return nothing_to_see();
  }
  return nothing_to_see();
}

std::vector<std::string> paths_to_probe(const policy::Plan& plan) {
  std::vector<std::string> out;
  for (const auto* p : {plan.params<StepKind::MountMaskedPaths>(), plan.params<StepKind::MountReadonlyPaths>()})
    if (p)
      for (const auto& path : p->paths) out.push_back(path);
  return out;
}

std::vector<std::string> cgroup_files_to_read(const policy::Plan& plan) {
  std::vector<std::string> out;
  if (const auto* c = plan.params<StepKind::CgroupCreate>())
    for (const auto& [file, value] : c->unified) out.push_back(file);
  return out;
}

}  // namespace ringfence::enforcer
