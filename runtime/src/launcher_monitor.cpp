// The monitor of an OCI container (or of a detached exec's process) whose
// seccomp rules send calls to user space: `create` must return, and the
// process must be its engine's shim's to reap, yet someone has to answer
// and record its notifications, record its OOM kills and pids hits as they
// happen, and record how it ended. One small process per such container,
// forked from `create`; none for the others (docs/oci.md, "The audit
// trail").
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <string>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "ringfence/base/fault.h"
#include "handover.h"
#include "launcher_core.h"
#include "sandbox_end.h"
#include "steps.h"
#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/enforcer/process_exits.h"

namespace ringfence::runtime {

Result<pid_t> LauncherCore::monitor(const std::vector<int>& keep, const nlohmann::json& stop_event) {
  // Subscribed before the process is released: it cannot have ended yet,
  // so its exit is not missed. Without it the monitor still answers and
  // records; only the exit status is unknown.
  enforcer::ProcessExitWatch exits;
  const Status watched = exits.open(ctx_.child);
  if (watched) supervisor_->watch_exit(std::move(exits));
  else if (ctx_.warn)
    ctx_.warn(std::string(policy::step_name(policy::StepKind::Supervise)),
              "the container's exit status will not be recorded: " + watched.message);
  // The monitor says on this pipe whether it is set up: until it is, the
  // process is not let go, and a monitor that cannot set itself up fails
  // the create instead of leaving a container whose calls nobody answers.
  int ready[2];
  if (fault::call("pipe2", [&] { return pipe2(ready, O_CLOEXEC); }) != 0)
    return Status::from_errno("pipe for the container's monitor");
  Fd ready_read(ready[0]), ready_write(ready[1]);
  std::fflush(nullptr);
  const pid_t pid = fault::call("fork", [] { return fork(); });
  if (pid < 0) return Status::from_errno("fork the container's monitor");
  if (pid == 0) {
    const int report = ready_write.get();
    // "+" when set up, "-" and the reason when not; nothing at all when it
    // died first.
    auto fail = [report](const Status& why) {
      const std::string said = "-" + why.message;
      (void)!write(report, said.data(), said.size());
      _exit(1);
    };
    // Out of the engine's way: its own session, and none of the runtime's
    // output (a caller that reads `create`'s output to its end would wait
    // for the container) or descriptors (the start FIFO, which would make
    // `start` of a dead container look like a success; the console socket;
    // the engine's preserved ones).
    setsid();
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) fail(Status::from_errno("monitor: open /dev/null"));
    for (int std_fd = 0; std_fd < 3; ++std_fd)
      if (dup2(null, std_fd) < 0) fail(Status::from_errno("monitor: leave the runtime's output"));
    std::vector<int> held = supervisor_->fds();
    held.insert(held.end(), keep.begin(), keep.end());
    held.push_back(report);
    if (Status st = enforcer::close_descriptors(held); !st) fail(st);
    if (fault_injected("monitor")) fail(Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO));
    supervisor_->stop_forwarding();
    // The small supervisor carries on in this process's place (handover.h):
    // the fork is a copy of all of ringfence, for the container's lifetime.
    Fd small;
    if (auto program = open_small_supervisor()) small = std::move(*program);
    int restore_rgid = -1;
    if (small.valid() && geteuid() == 0) {
      if (const auto apart = set_real_gid_apart()) restore_rgid = *apart;
      else small.reset();  // no exec whose window cannot be closed
    }
    if (geteuid() == 0)
      if (Status st = enforcer::keep_only_kill_capability(); !st) fail(st);
    if (small.valid()) {
      Handover handover;
      handover.end = Handover::End::Monitor;
      handover.sandbox = audit_.sandbox;
      if (audit_.log) {
        handover.audit_log = audit_.log->path();
        handover.audit_fsync_record = audit_.log->fsync_policy() == audit::FsyncPolicy::Record;
      }
      handover.child = ctx_.child;
      handover.cgroup = ctx_.cgroup;
      handover.report = report;
      handover.restore_rgid = restore_rgid;
      handover.stop_event = stop_event.dump();
      // Only when the exec failed: this process monitors on its own.
      (void)exec_small_supervisor(small, std::move(handover), *supervisor_, nullptr);
    }
    // What the fork copied and the monitor never uses goes back to the
    // system before it settles in for the container's lifetime.
    malloc_trim(0);
    if (write(report, "+", 1) != 1) _exit(1);
    close(report);
    (void)append_record(audit_.log, audit_.sandbox, with_exit_status(stop_event, supervisor_->run()));
    // No destructor runs: the descriptors they would close are gone.
    _exit(0);
  }
  ChildProcess monitor(pid);
  ready_write.reset();
  std::string said;
  char buf[512];
  ssize_t n;
  while ((n = read(ready_read.get(), buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    said.append(buf, static_cast<std::size_t>(n));
  }
  if (said != "+")  // the monitor is killed and reaped with `monitor`
    return Status::failure("the container's monitor could not be set up: " +
                               (said.size() > 1 && said[0] == '-' ? said.substr(1) : std::string("it died first")),
                           EIO);
  monitor.release();  // it outlives this command, as the container does
  let_go();
  return pid;
}

}  // namespace ringfence::runtime
