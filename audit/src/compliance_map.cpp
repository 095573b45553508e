// Which control of the catalogue each verified step aspect is evidence for.
// The IDs are the ones the lint rule on the same setting uses. Every kind
// is named (no default): a new kind must say which control it evidences,
// or that it evidences none.
#include "ringfence/audit/compliance.h"

namespace ringfence::audit {

using policy::StepKind;

std::string control_for(StepKind step, const std::string& aspect) {
  switch (step) {
    case StepKind::CapsBounding:
    case StepKind::CapsSets:
    case StepKind::CapsAmbient:
      return "RF-CAP-007";
    case StepKind::ProcessNoNewPrivileges: return "RF-PRIV-002";
    case StepKind::SeccompLoad:
      if (aspect == "Seccomp") return "RF-SEC-001";
      if (aspect == "default action") return "RF-SEC-003";
      if (aspect == "docker-denied calls") return "RF-SEC-004";
      if (aspect == "ABIs") return "RF-SEC-005";
      return "RF-SEC-002";
    case StepKind::NamespacesCreate:
      if (aspect == "ns pid") return "RF-NS-001";
      if (aspect == "ns ipc") return "RF-NS-002";
      if (aspect == "ns net" || aspect == "net interfaces") return "RF-NS-003";
      if (aspect == "ns uts") return "RF-NS-004";
      if (aspect == "ns user") return "RF-NS-005";
      return "RF-NS-007";  // mnt, cgroup
    case StepKind::UsernsMaps: return "RF-NS-008";
    case StepKind::UserIds: return aspect == "Gid" ? "RF-PRIV-004" : "RF-PRIV-003";
    case StepKind::MountReadonlyRoot: return "RF-FS-001";
    case StepKind::MountMaskedPaths: return "RF-FS-007";
    case StepKind::MountReadonlyPaths:
    case StepKind::MountSys:
      return "RF-FS-008";
    case StepKind::MountVolumes: return "RF-FS-003";
    case StepKind::MountTmpfs:
    case StepKind::MountProc:
      return "RF-FS-005";
    case StepKind::MountPropagation: return "RF-FS-004";
    case StepKind::CgroupCreate:
      if (aspect.rfind("pids", 0) == 0) return "RF-RES-002";
      if (aspect.rfind("cpu", 0) == 0) return "RF-RES-003";
      if (aspect.rfind("io ", 0) == 0) return "RF-RES-005";
      if (aspect.rfind("hugetlb ", 0) == 0) return "RF-RES-006";
      return "RF-RES-001";
    case StepKind::CgroupAttach: return "RF-RES-004";
    case StepKind::DevicesCgroup: return "RF-DEV-001";
    case StepKind::ProcessRlimits: return "RF-RLIM-001";
    case StepKind::ProcessOomScoreAdj: return "RF-RES-001";
    case StepKind::ApparmorExecLabel: return "RF-LSM-003";
    case StepKind::SelinuxExecLabel: return "RF-LSM-002";
    case StepKind::LandlockRestrict: return "RF-LL-003";
    // Kinds with no verify face (enforcer/src/verify.cpp): no evidence.
    case StepKind::ImageVerify:
    case StepKind::SeccompCompile:
    case StepKind::ApparmorCheck:
    case StepKind::SelinuxCheck:
    case StepKind::LandlockCheck:
    case StepKind::SuidScan:
    case StepKind::UsernsIds:
    case StepKind::MountSources:
    case StepKind::NamespacesJoin:
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
    case StepKind::NamespacesTime:
    case StepKind::ProcessNewSession:
    case StepKind::ProcessCloseFds:
    case StepKind::ProcessCwd:
    case StepKind::UserGroups:
    case StepKind::ProcessInit:
    case StepKind::ProcessExec:
    case StepKind::Supervise:
      return "";
  }
  return "";
}

}  // namespace ringfence::audit
