// THE STEP KINDS: every kind of enforcement step, one row each.
//
//   X(Id, "name", ParamsType, exec)
//
// Id         the StepKind enumerator
// "name"     the stable name users, tests, the audit log and the
//            fault-injection switch call it by
// ParamsType its parameters (plan.h); a Step of this kind can only be made
//            with them (Step::make), so reading them can never fail
// exec       `ringfence exec` applies it again to a process it starts in a
//            running sandbox (it shapes the process, not the sandbox)
//
// Every other face of a kind is a `switch` over StepKind without a default,
// which -Wswitch (an error here) makes exhaustive: the runtime's apply
// (runtime/src/steps.cpp), verify (enforcer/src/verify.cpp), the control it
// evidences (audit/src/compliance_map.cpp) and its OCI export
// (policy/src/oci_export.cpp). A kind added here without one of them does
// not compile. Where a kind runs in the plan is the order table's business
// (policy/src/plan_order.cpp). docs/contributing.md, "Adding a step kind".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#define RINGFENCE_STEP_KINDS(X)                                                  \
  X(ImageVerify, "image.verify", ImageParams, false)                             \
  X(SeccompCompile, "seccomp.compile", SeccompFilter, true)                      \
  X(ApparmorCheck, "apparmor.check", AppArmorParams, true)                       \
  X(SelinuxCheck, "selinux.check", SELinuxParams, true)                          \
  X(LandlockCheck, "landlock.check", LandlockParams, true)                       \
  X(SuidScan, "suid.scan", SuidParams, false)                                    \
  X(UsernsIds, "userns.ids", NoParams, false)                                    \
  X(MountSources, "mount.sources", NoParams, false)                              \
  X(CgroupCreate, "cgroup.create", CgroupParams, false)                          \
  X(DevicesCgroup, "devices.cgroup", DeviceCgroupParams, false)                  \
  X(NamespacesJoin, "namespaces.join", JoinParams, false)                        \
  X(NamespacesCreate, "namespaces.create", NamespacesParams, false)              \
  X(UsernsMaps, "userns.maps", UserNsParams, false)                              \
  X(ProcessRlimits, "process.rlimits", RlimitsParams, true)                      \
  X(ProcessOomScoreAdj, "process.oom-score-adj", OomScoreParams, true)           \
  X(ProcessDumpableOff, "process.dumpable-off", NoParams, true)                  \
  X(UsernsEnter, "userns.enter", NoParams, false)                                \
  X(NetLoopback, "net.loopback", NoParams, false)                                \
  X(MountPropagation, "mount.propagation", PropagationParams, false)             \
  X(MountRootfs, "mount.rootfs", RootfsParams, false)                            \
  X(SuidStrip, "suid.strip", SuidParams, false)                                  \
  X(MountVolumes, "mount.volumes", MountsParams, false)                          \
  X(MountTmpfs, "mount.tmpfs", MountsParams, false)                              \
  X(MountProc, "mount.proc", ProcParams, false)                                  \
  X(MountDev, "mount.dev", DevParams, false)                                     \
  X(DevicesNodes, "devices.nodes", DeviceNodesParams, false)                     \
  X(MountSys, "mount.sys", SysParams, false)                                     \
  X(MountHideRuntime, "mount.hide-runtime", NoParams, false)                     \
  X(MountPivotRoot, "mount.pivot-root", NoParams, false)                         \
  X(MountMaskedPaths, "mount.masked-paths", PathsParams, false)                  \
  X(MountReadonlyPaths, "mount.readonly-paths", PathsParams, false)              \
  X(MountReadonlyRoot, "mount.readonly-root", NoParams, false)                   \
  X(UtsHostname, "uts.hostname", HostnameParams, false)                          \
  X(NamespacesTime, "namespaces.time", TimeNamespaceParams, false)               \
  X(ApparmorExecLabel, "apparmor.exec-label", AppArmorParams, true)              \
  X(SelinuxExecLabel, "selinux.exec-label", SELinuxParams, true)                 \
  X(ProcessNewSession, "process.new-session", NoParams, true)                    \
  X(ProcessCloseFds, "process.close-fds", NoParams, true)                        \
  X(ProcessCwd, "process.cwd", CwdParams, true)                                  \
  X(CgroupAttach, "cgroup.attach", NoParams, true)                               \
  X(SeccompLoad, "seccomp.load", SeccompFilter, true)                            \
  X(LandlockRestrict, "landlock.restrict", LandlockParams, true)                 \
  X(CapsBounding, "caps.bounding", CapSets, true)                                \
  X(UserGroups, "user.groups", IdentityParams, true)                             \
  X(UserIds, "user.ids", IdentityParams, true)                                   \
  X(CapsSets, "caps.sets", CapSets, true)                                        \
  X(CapsAmbient, "caps.ambient", CapSets, true)                                  \
  X(ProcessNoNewPrivileges, "process.no-new-privileges", NoNewPrivsParams, true) \
  X(ProcessInit, "process.init", NoParams, false)                                \
  X(ProcessExec, "process.exec", ExecParams, true)                               \
  X(Supervise, "supervise", SuperviseParams, true)

namespace ringfence::policy {

enum class StepKind : std::uint8_t {
#define RINGFENCE_STEP_ENUM(id, name, params, exec) id,
  RINGFENCE_STEP_KINDS(RINGFENCE_STEP_ENUM)
#undef RINGFENCE_STEP_ENUM
};

inline constexpr std::size_t kStepKindCount = 0
#define RINGFENCE_STEP_COUNT(id, name, params, exec) +1
    RINGFENCE_STEP_KINDS(RINGFENCE_STEP_COUNT)
#undef RINGFENCE_STEP_COUNT
    ;

// Every kind, in the order of the list above.
inline constexpr std::array<StepKind, kStepKindCount> kAllStepKinds = {
#define RINGFENCE_STEP_LIST(id, name, params, exec) StepKind::id,
    RINGFENCE_STEP_KINDS(RINGFENCE_STEP_LIST)
#undef RINGFENCE_STEP_LIST
};

// The kind's stable name ("seccomp.load").
std::string_view step_name(StepKind kind);
// The kind a name stands for; nullopt for a name no kind has.
std::optional<StepKind> step_kind(std::string_view name);
// Does `ringfence exec` apply it again to the process it starts?
bool step_applies_to_exec(StepKind kind);

}  // namespace ringfence::policy
