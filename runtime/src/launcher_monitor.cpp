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

#include "launcher_core.h"
#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/enforcer/process_exits.h"

namespace ringfence::runtime {

Result<pid_t> LauncherCore::monitor(const std::vector<int>& keep, const std::function<void(int)>& stopped) {
  // Subscribed before the process is released: it cannot have ended yet,
  // so its exit is not missed. Without it the monitor still answers and
  // records; only the exit status is unknown.
  enforcer::ProcessExitWatch exits;
  const Status watched = exits.open(ctx_.child);
  if (watched) supervisor_->watch_exit(std::move(exits));
  else if (ctx_.warn)
    ctx_.warn(std::string(policy::step_name(policy::StepKind::Supervise)),
              "the container's exit status will not be recorded: " + watched.message);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Status::from_errno("fork the container's monitor");
  if (pid == 0) {
    // Out of the engine's way: its own session, and none of the runtime's
    // output (a caller that reads `create`'s output to its end would wait
    // for the container) or descriptors (the start FIFO, which would make
    // `start` of a dead container look like a success; the console socket;
    // the engine's preserved ones).
    setsid();
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int std_fd = 0; std_fd < 3; ++std_fd) dup2(null, std_fd);
    std::vector<int> held = supervisor_->fds();
    held.insert(held.end(), keep.begin(), keep.end());
    if (!enforcer::close_descriptors(held)) _exit(1);
    // What the fork copied and the monitor never uses goes back to the
    // system before it settles in for the container's lifetime.
    malloc_trim(0);
    if (geteuid() == 0) (void)enforcer::keep_only_kill_capability();
    supervisor_->stop_forwarding();
    stopped(supervisor_->run());
    // No destructor runs: the descriptors they would close are gone.
    _exit(0);
  }
  let_go();
  return pid;
}

}  // namespace ringfence::runtime
