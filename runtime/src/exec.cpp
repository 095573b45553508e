#include "ringfence/runtime/exec.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include <fmt/core.h>

#include "caller_stdio.h"
#include "launcher_core.h"
#include "sandbox_end.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/namespace_kinds.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/runtime/state.h"

namespace ringfence::runtime {
namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "ringfence: %s\n", what.c_str());
  return kExitRuntimeError;
}

}  // namespace

// The namespaces of `pid` that differ from ours, as setns flags.
int namespaces_to_join(pid_t pid) {
  int flags = 0;
  for (const auto& k : policy::kNamespaceKinds) {
    struct stat theirs {}, ours {};
    if (stat(fmt::format("/proc/{}/ns/{}", pid, k.proc).c_str(), &theirs) != 0) continue;
    if (stat(fmt::format("/proc/self/ns/{}", k.proc).c_str(), &ours) != 0) continue;
    if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) flags |= static_cast<int>(k.clone_flag);
  }
  return flags;
}

int exec_in_sandbox(const std::string& state_root, const std::string& name, const ExecRequest& request) {
  // As run's supervisor: nothing in the sandbox may reach this process
  // through /proc (docs/security.md).
  if (Status s = enforcer::set_not_dumpable(); !s) return fail(s.message);
  auto state = read_state(state_root, name);
  if (!state) return fail(state.status().message);
  if (!same_process(state->pid, state->pid_start_time)) return fail(fmt::format("sandbox '{}' is not running", name));

  // The policy is recompiled from what `run` was given and must be the one
  // the sandbox runs under: nothing is read back from inside the sandbox.
  policy::Diagnostics flag_diags;
  std::vector<policy::Layer> extra;
  if (auto layer = policy::layer_from_flags(state->flags, flag_diags)) extra.push_back(std::move(*layer));
  policy::CompileOptions copts;
  copts.rootfs = state->rootfs;
  copts.rootless = geteuid() != 0;
  auto compiled = policy::compile(state->profile_refs, std::move(extra), copts);
  if (!compiled.ok()) {
    std::fputs(compiled.diags.format().c_str(), stderr);
    return fail("the sandbox's profile no longer compiles");
  }
  policy::Plan& plan = *compiled.plan;
  if (policy::plan_sha256(plan) != state->plan_sha256)
    return fail(fmt::format("the profile of '{}' changed since it started (plan {} now, {} then); refusing to exec "
                            "under a different policy",
                            name, policy::plan_sha256(plan).substr(0, 12), state->plan_sha256.substr(0, 12)));
  // Checked against the sandbox's plan first: the request changes only
  // this process's steps, after the check.
  if (Status st = apply_exec_request(request, plan); !st) return fail(st.message);

  ExecHow how;
  how.argv = request.argv;
  how.tty = request.tty;
  how.stdin_open = request.stdin_open;
  return exec_with_plan(state_root, *state, plan, how);
}

int exec_with_plan(const std::string& state_root, const SandboxState& state, const policy::Plan& plan,
                   const ExecHow& how) {
  if (Status s = enforcer::set_not_dumpable(); !s) return fail(s.message);
  const std::string& name = state.id;
  const auto& argv = how.argv;
  Fd init(enforcer::pidfd_open_process(state.pid));
  if (!init.valid() || !same_process(state.pid, state.pid_start_time))
    return fail(fmt::format("sandbox '{}' is not running", name));
  LaunchOptions options;
  options.name = name;
  options.state_root = state_root;
  options.argv = argv;
  options.rootfs = state.rootfs;
  RunContext ctx(plan, options, LaunchMode::Exec);
  ctx.warn = [](const std::string& step, const std::string& text) {
    std::fprintf(stderr, "ringfence: warning: step '%s': %s\n", step.c_str(), text.c_str());
  };
  ctx.console_socket = how.console_socket;
  ctx.console_size = how.console_size;
  ctx.preserve_fds = how.preserve_fds;
  CallerStdio stdio(StdioRequest{how.tty && how.console_socket < 0 && !how.detach, how.stdin_open});
  if (Status s = stdio.prepare(ctx); !s) return fail(s.message);
  // Every namespace of the sandbox's init that is not ours (the user
  // namespace first), entered by the launcher core's intermediate process.
  ctx.joins.emplace_back(std::move(init), namespaces_to_join(state.pid));
  if (plan.has(policy::StepKind::CgroupAttach)) {
    const auto layout = enforcer::detect_cgroup_layout();
    ctx.cgroup = state.cgroup_path.empty() ? enforcer::open_cgroup(layout, name)
                                           : enforcer::cgroup_at(layout, state.cgroup_path);
  }

  // Its processes are recorded in the sandbox's own log, like the sandbox's.
  std::optional<audit::LogWriter> log;
  if (!state.audit_log.empty())
    log.emplace(state.audit_log, state.audit_fsync_record ? audit::FsyncPolicy::Record : audit::FsyncPolicy::Batch);
  auto record = [&](nlohmann::json event) { return append_record(log ? &*log : nullptr, name, std::move(event)); };
  // Who it runs as and where, which exec -u and -w may have changed.
  const auto* who = plan.params<policy::StepKind::UserIds>();
  const auto* where = plan.params<policy::StepKind::ProcessCwd>();
  if (Status s = record({{"event", "exec.create"}, {"command", argv}, {"plan_sha256", state.plan_sha256},
                         {"uid", getuid()}, {"user", who ? who->user + (who->group.empty() ? "" : ":" + who->group) : ""},
                         {"cwd", where ? where->cwd : "/"}});
      !s)
    return fail("the audit log cannot be written, so nothing is started: " + s.message);

  LauncherCore core(ctx, SupervisorAudit{log ? &*log : nullptr, name, nullptr});
  auto failure = core.prepare();
  if (!failure) failure = core.start();
  if (failure) {
    const std::string step(policy::step_name(failure->step));
    if (failure->status.err == EINTR) std::fprintf(stderr, "ringfence: %s\n", failure->status.message.c_str());
    else std::fprintf(stderr, "ringfence: step '%s' failed: %s\n", step.c_str(), failure->status.message.c_str());
    record({{"event", "exec.failed"}, {"step", step}, {"errno", failure->status.err},
            {"message", failure->status.message}, {"exit_status", failure->exit_code}});
    return failure->exit_code;
  }
  if (Status s = stdio.attach(); !s) {
    core.kill_child();
    record({{"event", "exec.failed"}, {"step", "terminal"}, {"message", s.message}, {"exit_status", kExitRuntimeError}});
    return fail(s.message);
  }
  // A process whose start is not in the log does not run on.
  if (Status s = record({{"event", "exec.start"}, {"command", argv}, {"pid", core.child_pid()}}); !s) {
    core.kill_child();
    return fail("the audit log cannot be written, so the process was stopped (SIGKILL) as soon as it started: " +
                s.message);
  }
  if (how.started) how.started(core.child_pid());
  if (how.detach) {
    if (!core.needs_monitor()) {
      core.let_go();
      return kExitOk;
    }
    // An engine's exec (podman's conmon detaches it) under notify rules, or
    // whose refusals are recorded: a monitor answers or records them while
    // the shim owns the process.
    std::vector<int> keep;
    if (log && log->fd() >= 0) keep.push_back(log->fd());
    auto monitor = core.monitor(keep, {{"event", "exec.stop"}, {"pid", core.child_pid()}});
    if (!monitor) {
      core.kill_child();
      return fail(monitor.status().message);
    }
    return kExitOk;
  }
  const int code = core.supervise(stdio.relay());
  nlohmann::json stop = {{"event", "exec.stop"}, {"pid", core.child_pid()}, {"exit_status", code}};
  // Its supervisor stopped it: its records could not be written.
  const Supervisor* supervisor = core.supervisor();
  const Status* unaudited = supervisor ? supervisor->log_failure() : nullptr;
  if (unaudited && supervisor->stopped_for_log())
    stop["reason"] = "the audit log could not be written: " + unaudited->message;
  const Status stopped = record(std::move(stop));
  if (unaudited && supervisor->stopped_for_log())
    return fail("the audit log could not be written, so the process was stopped (SIGKILL) rather than run "
                "unaudited: " +
                unaudited->message);
  if (unaudited || !stopped)
    return fail("the process ended, but its last records could not be written to the audit log: " +
                (unaudited ? *unaudited : stopped).message);
  return code;
}

}  // namespace ringfence::runtime
