// Which control of the catalogue each verified step aspect is evidence for.
// The IDs are the ones the lint rule on the same setting uses.
#include "ringfence/audit/compliance.h"

namespace ringfence::audit {

std::string control_for(const std::string& step, const std::string& aspect) {
  if (step.rfind("caps.", 0) == 0) return "RF-CAP-007";
  if (step == "process.no-new-privileges") return "RF-PRIV-002";
  if (step == "seccomp.load") return aspect == "Seccomp" ? "RF-SEC-001" : "RF-SEC-002";
  if (step == "namespaces.create") {
    if (aspect == "ns pid") return "RF-NS-001";
    if (aspect == "ns ipc") return "RF-NS-002";
    if (aspect == "ns net" || aspect == "net interfaces") return "RF-NS-003";
    if (aspect == "ns uts") return "RF-NS-004";
    if (aspect == "ns user") return "RF-NS-005";
    return "RF-NS-007";  // mnt, cgroup
  }
  if (step == "userns.maps") return "RF-NS-008";
  if (step == "user.ids") return aspect == "Gid" ? "RF-PRIV-004" : "RF-PRIV-003";
  if (step == "mount.readonly-root") return "RF-FS-001";
  if (step == "mount.masked-paths") return "RF-FS-007";
  if (step == "mount.readonly-paths" || step == "mount.sys") return "RF-FS-008";
  if (step == "mount.volumes") return "RF-FS-003";
  if (step == "mount.tmpfs" || step == "mount.proc") return "RF-FS-005";
  if (step == "mount.propagation") return "RF-FS-004";
  if (step == "cgroup.create") {
    if (aspect.rfind("pids", 0) == 0) return "RF-RES-002";
    if (aspect.rfind("cpu", 0) == 0) return "RF-RES-003";
    return "RF-RES-001";
  }
  if (step == "cgroup.attach") return "RF-RES-004";
  if (step == "devices.cgroup") return "RF-DEV-001";
  if (step == "process.rlimits") return "RF-RLIM-001";
  if (step == "process.oom-score-adj") return "RF-RES-001";
  if (step == "apparmor.exec-label") return "RF-LSM-003";
  if (step == "selinux.exec-label") return "RF-LSM-002";
  if (step == "landlock.restrict") return "RF-LL-003";
  return "";
}

}  // namespace ringfence::audit
