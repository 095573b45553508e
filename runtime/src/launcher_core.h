// The one launcher core. `run`, `learn` and `exec` (and the OCI runtime's
// create/start/exec) start every sandboxed process through it, in the order
// of the plan's phases:
//
//   prepare     the parent's steps before the clone (those the mode
//               applies) and ringfence-exec's memfd
//   start       the clone — clone3 into the sandbox's cgroup on cgroup v2,
//               and through a short-lived intermediate that joins the
//               namespaces to join (exec, container:NAME), so that
//               ringfence itself never enters one — then the parent's steps
//               after the clone, go, the parent's steps while the child
//               builds its root, go again, and the child's reports until its
//               exec (or its failure)
//   supervise   until the program ends (supervisor.h)
//   monitor     instead, when the process is left to an engine's shim but
//               its plan needs answers or records while it runs
//               (launcher_monitor.cpp)
//
// What a start leaves to its caller: the state on disk, the audit log's
// lifecycle records, what is printed. The child's side is child.cpp.
#pragma once

#include <signal.h>

#include <functional>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "child_process.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/step_kind.h"
#include "run_context.h"
#include "supervisor.h"

namespace ringfence::runtime {

// Why a start did not reach the program, and the exit code that says so:
// Docker's 126/127 when the program could not be executed or found, 128+N
// when signal N interrupted the start, 125 for everything else.
struct StartFailure {
  policy::StepKind step;
  Status status;
  int exit_code;
};

StartFailure start_failure(policy::StepKind step, Status status);

class LauncherCore {
 public:
  LauncherCore(RunContext& ctx, SupervisorAudit audit) : ctx_(ctx), audit_(std::move(audit)) {}

  // Both close every descriptor they opened for the sandbox when they fail
  // (release_after_failure), so that the caller's record of the failure and
  // its cleanup have descriptors to work with even when the failure was
  // EMFILE.
  std::optional<StartFailure> prepare();
  // Nothing of it is left when it fails: the child is killed and reaped.
  std::optional<StartFailure> start();
  // After a start: the program's exit code when it ends. `relay`: the
  // caller's terminal, relayed by the same loop (-t).
  // `output`: a detached sandbox's output pipe, copied to its bounded log
  // by the same loop (output_log.h).
  int supervise(TerminalRelay* relay = nullptr, OutputLog* output = nullptr);
  // After a start, instead of supervise (an OCI create): lets the process
  // go, unwatched, to whoever reaps it next.
  void let_go();
  // After a start, instead of supervise or let_go: the process is left to
  // whoever reaps it next (an OCI engine's shim), and a forked monitor
  // supervises it until it ends, then records `stop_event` with its
  // exit_status (null when the kernel did not report it) and exits.
  // Returns the monitor's pid. The monitor keeps only the supervisor's
  // descriptors and `keep`, and becomes the small supervisor (handover.h)
  // when it can.
  Result<pid_t> monitor(const std::vector<int>& keep, const nlohmann::json& stop_event);
  // After a start: the seccomp notify descriptor the child sent, for
  // another process to answer (invalid when the filter sends none).
  Fd take_listener() { return supervisor_ ? supervisor_->take_listener() : Fd(); }
  // After a start, when something after it fails: the process is killed.
  void kill_child() { child_.kill_and_reap(); }

  pid_t child_pid() const { return ctx_.child; }
  const Supervisor* supervisor() const { return supervisor_ ? &*supervisor_ : nullptr; }
  // After a start: whether something must stay to answer the filter's
  // notifications or to read the kernel's records of its refusals while
  // the process runs; an OCI create or a detached exec then keeps a monitor.
  bool needs_monitor() const {
    return supervisor_ && (supervisor_->has_listener() || supervisor_->watches_denials());
  }

 private:
  std::optional<StartFailure> prepare_parent();
  std::optional<StartFailure> start_child();
  void release_after_failure();
  // `run --timings`: a stretch of the parent's that began at `began`.
  void note(const char* what, StartTimings::Clock::time_point began, const char* where = "parent");
  std::optional<StartFailure> clone_child();
  // Before the clone: the kernel's audit records of this sandbox's denials
  // are read from now on (kernel_audit.h), under an audit session of its
  // own (audit_session.h).
  std::optional<StartFailure> watch_denials();
  std::optional<StartFailure> until_exec(int sync);
  std::optional<StartFailure> abandon(policy::StepKind step, Status why);

  RunContext& ctx_;
  SupervisorAudit audit_;
  ChildProcess child_;
  Fd sync_;
  std::optional<Supervisor> supervisor_;
  sigset_t child_mask_{};
  std::optional<KernelAuditReader> denial_reader_;
  DenialSource denial_source_;
};

}  // namespace ringfence::runtime
