// The runtime's face of every step kind: which handler carries it out.
// Every kind is named (no default): a new kind does not compile until it
// says how it is applied.
#include "steps.h"

#include <cstdlib>

#include <fmt/core.h>

#include "handlers.h"
#include "ringfence/runtime/start_timings.h"
#include "ringfence/base/fault.h"

namespace ringfence::runtime {
namespace {

using policy::StepKind;

// Calls `handler` with the parameters of kind K: the switch below only
// reaches it for a step of that kind, whose parameters Step::make made of
// that type.
template <StepKind K, class Handler>
Status with(Handler handler, const policy::Step& step, RunContext& ctx) {
  return handler(*step.params_if<K>(), ctx);
}

Status dispatch(const policy::Step& step, RunContext& ctx) {
  namespace h = handlers;
  switch (step.kind()) {
    case StepKind::ImageVerify: return with<StepKind::ImageVerify>(h::image_verify, step, ctx);
    case StepKind::SeccompCompile: return with<StepKind::SeccompCompile>(h::seccomp_compile, step, ctx);
    case StepKind::ApparmorCheck: return with<StepKind::ApparmorCheck>(h::apparmor_check, step, ctx);
    case StepKind::SelinuxCheck: return with<StepKind::SelinuxCheck>(h::selinux_check, step, ctx);
    case StepKind::LandlockCheck: return with<StepKind::LandlockCheck>(h::landlock_check, step, ctx);
    case StepKind::SuidScan: return with<StepKind::SuidScan>(h::suid_scan, step, ctx);
    case StepKind::UsernsIds: return h::userns_ids(ctx);
    case StepKind::MountSources: return h::mount_sources(ctx);
    case StepKind::CgroupCreate: return with<StepKind::CgroupCreate>(h::cgroup_create, step, ctx);
    case StepKind::DevicesCgroup: return with<StepKind::DevicesCgroup>(h::devices_cgroup, step, ctx);
    case StepKind::NamespacesJoin: return with<StepKind::NamespacesJoin>(h::namespaces_join, step, ctx);
    case StepKind::UsernsMaps: return with<StepKind::UsernsMaps>(h::userns_maps, step, ctx);
    case StepKind::ProcessRlimits: return with<StepKind::ProcessRlimits>(h::process_rlimits, step, ctx);
    case StepKind::ProcessOomScoreAdj: return with<StepKind::ProcessOomScoreAdj>(h::oom_score_adj, step, ctx);
    case StepKind::ProcessDumpableOff: return h::dumpable_off(ctx);
    case StepKind::UsernsEnter: return h::userns_enter(ctx);
    case StepKind::NetLoopback: return h::net_loopback(ctx);
    case StepKind::MountPropagation: return with<StepKind::MountPropagation>(h::mount_propagation, step, ctx);
    case StepKind::MountRootfs: return with<StepKind::MountRootfs>(h::mount_rootfs, step, ctx);
    case StepKind::SuidStrip: return h::suid_strip(ctx);
    case StepKind::MountVolumes: return with<StepKind::MountVolumes>(h::mount_volumes, step, ctx);
    case StepKind::MountTmpfs: return with<StepKind::MountTmpfs>(h::mount_tmpfs, step, ctx);
    case StepKind::MountProc: return with<StepKind::MountProc>(h::mount_proc, step, ctx);
    case StepKind::MountDev: return with<StepKind::MountDev>(h::mount_dev, step, ctx);
    case StepKind::DevicesNodes: return with<StepKind::DevicesNodes>(h::devices_nodes, step, ctx);
    case StepKind::MountSys: return with<StepKind::MountSys>(h::mount_sys, step, ctx);
    case StepKind::MountHideRuntime: return h::mount_hide_runtime(ctx);
    case StepKind::MountPivotRoot: return h::mount_pivot_root(ctx);
    case StepKind::MountMaskedPaths: return with<StepKind::MountMaskedPaths>(h::mount_masked_paths, step, ctx);
    case StepKind::MountReadonlyPaths: return with<StepKind::MountReadonlyPaths>(h::mount_readonly_paths, step, ctx);
    case StepKind::MountReadonlyRoot: return h::mount_readonly_root(ctx);
    case StepKind::UtsHostname: return with<StepKind::UtsHostname>(h::uts_hostname, step, ctx);
    case StepKind::NamespacesTime: return with<StepKind::NamespacesTime>(h::namespaces_time, step, ctx);
    case StepKind::ApparmorExecLabel: return with<StepKind::ApparmorExecLabel>(h::apparmor_exec_label, step, ctx);
    case StepKind::SelinuxExecLabel: return with<StepKind::SelinuxExecLabel>(h::selinux_exec_label, step, ctx);
    case StepKind::ProcessNewSession: return h::new_session(ctx);
    case StepKind::ProcessCloseFds: return h::close_fds(ctx);
    case StepKind::ProcessCwd: return with<StepKind::ProcessCwd>(h::process_cwd, step, ctx);
    case StepKind::CgroupAttach: return h::cgroup_attach(ctx);
    case StepKind::SeccompLoad: return h::seccomp_load(ctx);
    case StepKind::LandlockRestrict: return with<StepKind::LandlockRestrict>(h::landlock_restrict, step, ctx);
    case StepKind::CapsBounding: return with<StepKind::CapsBounding>(h::caps_bounding, step, ctx);
    case StepKind::UserGroups: return with<StepKind::UserGroups>(h::user_groups, step, ctx);
    case StepKind::UserIds: return with<StepKind::UserIds>(h::user_ids, step, ctx);
    case StepKind::CapsSets: return with<StepKind::CapsSets>(h::caps_sets, step, ctx);
    case StepKind::CapsAmbient: return with<StepKind::CapsAmbient>(h::caps_ambient, step, ctx);
    case StepKind::ProcessNoNewPrivileges: return h::no_new_privileges(ctx);
    case StepKind::ProcessInit: return h::process_init(ctx);
    case StepKind::ProcessExec: return with<StepKind::ProcessExec>(h::process_exec, step, ctx);
    // The clone and the supervisor's loop are the launcher core's own work
    // (launcher_core.cpp): they are never run as a handler.
    case StepKind::NamespacesCreate:
    case StepKind::Supervise:
      break;
  }
  return Status::failure(fmt::format("step '{}' is the launcher's, not a handler's", step.name()), ENOSYS);
}

}  // namespace

bool fault_injected(std::string_view point) { return fault::step_fails(point); }

bool fault_injected(StepKind kind) { return fault::step_fails(policy::step_name(kind)); }

Status run_step(const policy::Step& step, RunContext& ctx) {
  if (fault_injected(step.kind())) return Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO);
  return dispatch(step, ctx);
}

bool has_phase(const RunContext& ctx, policy::Phase phase) {
  for (const auto& step : ctx.plan.steps)
    if (step.phase() == phase && ctx.applies(step.kind())) return true;
  return false;
}

Status run_phase(policy::Phase phase, RunContext& ctx, StepKind& failed) {
  for (const auto& step : ctx.plan.steps) {
    if (step.phase() != phase || !ctx.applies(step.kind())) continue;
    const auto began = StartTimings::mark(ctx.options.timings);
    Status st = run_step(step, ctx);
    if (ctx.options.timings) ctx.options.timings->add(std::string(step.name()), "parent", began);
    if (!st) {
      failed = step.kind();
      return st;
    }
  }
  return {};
}

}  // namespace ringfence::runtime
