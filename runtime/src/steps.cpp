#include "steps.h"

#include <cstdlib>
#include <string_view>

#include <fmt/core.h>

#include "handlers.h"

namespace ringfence::runtime {
namespace {

using Handler = enforcer::Status (*)(const policy::Step&, RunContext&);

struct Entry {
  std::string_view name;
  Handler handler;
};

// namespaces.create and supervise are carried out by the launcher itself
// (they are the clone and the supervisor loop), so they have no entry here.
constexpr Entry kHandlers[] = {
    {"image.verify", handlers::image_verify},
    {"seccomp.compile", handlers::seccomp_compile},
    {"apparmor.check", handlers::apparmor_check},
    {"selinux.check", handlers::selinux_check},
    {"landlock.check", handlers::landlock_check},
    {"suid.scan", handlers::suid_scan},
    {"userns.ids", handlers::userns_ids},
    {"mount.sources", handlers::mount_sources},
    {"cgroup.create", handlers::cgroup_create},
    {"devices.cgroup", handlers::devices_cgroup},
    {"namespaces.join", handlers::namespaces_join},
    {"userns.maps", handlers::userns_maps},
    {"cgroup.attach", handlers::cgroup_attach},
    {"process.rlimits", handlers::process_rlimits},
    {"process.oom-score-adj", handlers::oom_score_adj},
    {"process.dumpable-off", handlers::dumpable_off},
    {"userns.enter", handlers::userns_enter},
    {"net.loopback", handlers::net_loopback},
    {"mount.propagation", handlers::mount_propagation},
    {"mount.rootfs", handlers::mount_rootfs},
    {"suid.strip", handlers::suid_strip},
    {"mount.volumes", handlers::mount_volumes},
    {"mount.tmpfs", handlers::mount_tmpfs},
    {"mount.proc", handlers::mount_proc},
    {"mount.dev", handlers::mount_dev},
    {"devices.nodes", handlers::devices_nodes},
    {"mount.sys", handlers::mount_sys},
    {"mount.hide-runtime", handlers::mount_hide_runtime},
    {"mount.pivot-root", handlers::mount_pivot_root},
    {"mount.masked-paths", handlers::mount_masked_paths},
    {"mount.readonly-paths", handlers::mount_readonly_paths},
    {"mount.readonly-root", handlers::mount_readonly_root},
    {"uts.hostname", handlers::uts_hostname},
    {"apparmor.exec-label", handlers::apparmor_exec_label},
    {"selinux.exec-label", handlers::selinux_exec_label},
    {"process.new-session", handlers::new_session},
    {"process.close-fds", handlers::close_fds},
    {"process.cwd", handlers::process_cwd},
    {"seccomp.load", handlers::seccomp_load},
    {"landlock.restrict", handlers::landlock_restrict},
    {"caps.bounding", handlers::caps_bounding},
    {"user.groups", handlers::user_groups},
    {"user.ids", handlers::user_ids},
    {"caps.sets", handlers::caps_sets},
    {"caps.ambient", handlers::caps_ambient},
    {"process.no-new-privileges", handlers::no_new_privileges},
    {"process.init", handlers::process_init},
    {"process.exec", handlers::process_exec},
};

}  // namespace

bool fault_injected(const std::string& step) {
#ifdef RINGFENCE_FAULT_INJECTION
  const char* target = std::getenv("RINGFENCE_FAIL_STEP");
  return target != nullptr && step == target;
#else
  (void)step;
  return false;
#endif
}

enforcer::Status run_step(const policy::Step& step, RunContext& ctx) {
  if (fault_injected(step.name)) return enforcer::Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO);
  for (const auto& e : kHandlers)
    if (e.name == step.name) return e.handler(step, ctx);
  return enforcer::Status::failure(fmt::format("this ringfence has no handler for step '{}'", step.name), ENOSYS);
}

bool has_phase(const policy::Plan& plan, policy::Phase phase) {
  for (const auto& step : plan.steps)
    if (step.phase == phase) return true;
  return false;
}

enforcer::Status run_phase(policy::Phase phase, RunContext& ctx, std::string& failed) {
  for (const auto& step : ctx.plan.steps) {
    if (step.phase != phase) continue;
    if (ctx.skipped.count(step.name)) continue;
    if (enforcer::Status st = run_step(step, ctx); !st) {
      failed = step.name;
      return st;
    }
  }
  return {};
}

}  // namespace ringfence::runtime
