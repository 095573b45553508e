#include "child.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/runtime/sync.h"
#include "steps.h"
#include "terminal.h"

namespace ringfence::runtime {
namespace {

using policy::StepKind;

[[noreturn]] void report_and_exit(int sync_fd, StepKind step, const Status& st) {
  Message m;
  m.kind = MessageKind::StepFailed;
  m.step = std::string(policy::step_name(step));
  m.err = st.err;
  m.text = st.message;
  (void)send_message(sync_fd, m);
  _exit(kExitRuntimeError);
}

// The child's timing of the plan's step `step`, sent to the parent with
// its exec message.
void note_step(RunContext& ctx, const policy::Step& step, StartTimings::Clock::time_point began) {
  if (!ctx.options.timings) return;
  ctx.child_timings.emplace_back(
      static_cast<std::size_t>(&step - ctx.plan.steps.data()),
      StartTimings::Stretch{{}, {}, began - ctx.options.timings->origin(), StartTimings::Clock::now() - began});
}

}  // namespace

void run_child(RunContext& ctx, int sync_fd, const sigset_t& mask) {
  ctx.sync_fd = sync_fd;
  // While it is being set up, the sandbox must not outlive ringfence.
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  sigprocmask(SIG_SETMASK, &mask, nullptr);
  // Without -i, nothing of the caller's input reaches the sandbox.
  if (ctx.stdin_null.valid() && dup2(ctx.stdin_null.get(), STDIN_FILENO) < 0) _exit(kExitRuntimeError);
  // The directory the root is assembled on, looked up now, in this
  // process's own mount namespace (a descriptor from the parent's would name
  // the parent's mount, which nothing here may mount on) and while it still
  // has the host's uid: in a user namespace, once it becomes the mapped
  // root (userns.enter), a state root under a 0700 directory of root's
  // could no longer be entered. (exec builds no root.)
  int staging_error = 0;
  if (ctx.mode == LaunchMode::Sandbox) {
    ctx.staging_dir.reset(open(ctx.staging.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    staging_error = errno;
  }
  // cgroup.attach on cgroup v1, before anything else is charged to the host's
  // cgroup and while this process has one thread. A failure is reported
  // after the go, when the parent reads the channel.
  Status moved;
  if (ctx.child_moves_itself) {
    const auto began = StartTimings::mark(ctx.options.timings);
    moved = enforcer::move_self_to_cgroup(ctx.cgroup_tasks);
    ctx.cgroup_tasks.clear();
    if (const auto* step = ctx.plan.find(StepKind::CgroupAttach)) note_step(ctx, *step, began);
  }
  auto go = receive_message(sync_fd).value_or(std::nullopt);
  if (!go || go->kind != MessageKind::Go) _exit(kExitRuntimeError);
  if (!moved) report_and_exit(sync_fd, StepKind::CgroupAttach, moved);
  // Steps that report skipped optional features do it through the parent.
  ctx.warn = [sync_fd](const std::string& step, const std::string& text) {
    Message m;
    m.kind = MessageKind::Warning;
    m.step = step;
    m.text = text;
    (void)send_message(sync_fd, m);
  };
  if (ctx.mode == LaunchMode::Sandbox && !ctx.staging_dir.valid())
    report_and_exit(sync_fd, StepKind::MountRootfs, Status::from_errno(staging_error, "open " + ctx.staging));
  for (policy::Phase phase :
       {policy::Phase::ChildBeforePivot, policy::Phase::ChildAfterPivot, policy::Phase::ChildBeforeExec}) {
    if (phase == policy::Phase::ChildBeforeExec && has_phase(ctx, policy::Phase::ParentWhileChild)) {
      // The parent's steps of this stretch (the cgroup) must be done before
      // anything here can become the program.
      auto again = receive_message(sync_fd).value_or(std::nullopt);
      if (!again || again->kind != MessageKind::Go) _exit(kExitRuntimeError);
    }
    if (phase == policy::Phase::ChildBeforeExec && ctx.cgroup_ns_after_attach && unshare(CLONE_NEWCGROUP) != 0)
      report_and_exit(sync_fd, StepKind::NamespacesCreate, Status::from_errno("create the cgroup namespace"));
    for (const auto& step : ctx.plan.steps) {
      if (step.phase() != phase || !ctx.applies(step.kind())) continue;
      if (step.kind() == StepKind::ProcessExec) {
        // Past this point a dead supervisor no longer takes the program
        // with it: `list` reports such a sandbox and `delete` ends it.
        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
      }
      if (step.kind() == StepKind::ProcessCloseFds && ctx.console_socket >= 0) {
        // process.terminal: in the new session, in the container's devpts,
        // while the console socket is still open.
        if (Status t = setup_terminal(ctx.console_socket, ctx.console_size); !t)
          report_and_exit(sync_fd, step.kind(), Status{t.err, "terminal: " + t.message});
        close(ctx.console_socket);
        ctx.console_socket = -1;
      }
      const auto began = StartTimings::mark(ctx.options.timings);
      Status s = run_step(step, ctx);
      if (!s) report_and_exit(sync_fd, step.kind(), s);
      // (process.exec does not return: its exec message carries these.)
      note_step(ctx, step, began);
      if (step.kind() == StepKind::SeccompLoad && ctx.filter && ctx.filter->uses_notify) {
        // Wait until the supervisor holds the listener before any call can
        // be sent to it.
        auto ack = receive_message(sync_fd).value_or(std::nullopt);
        if (!ack) _exit(kExitRuntimeError);
      }
    }
  }
  report_and_exit(sync_fd, StepKind::ProcessExec, Status::failure("the plan has no process.exec step", EINVAL));
}

}  // namespace ringfence::runtime
