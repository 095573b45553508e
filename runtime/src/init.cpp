#include "init.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ringfence::runtime {
namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

}  // namespace

const int* forwarded_signals(int* count) {
  *count = static_cast<int>(sizeof kForwarded / sizeof kForwarded[0]);
  return kForwarded;
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 125;
}

enforcer::Status start_init(int sync_fd) {
  sigset_t waited;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  for (int sig : kForwarded) sigaddset(&waited, sig);
  sigset_t previous;
  // Blocked before the fork, so no signal falls between fork and the wait.
  if (sigprocmask(SIG_BLOCK, &waited, &previous) != 0) return enforcer::Status::from_errno("sigprocmask");
  const pid_t program = fork();
  if (program < 0) return enforcer::Status::from_errno("fork the program under the init");
  if (program == 0) {
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    return {};
  }
  // The init. The program's copy of the sync socket closes at its exec;
  // this one must close now for the supervisor to see that exec.
  close(sync_fd);
  while (true) {
    siginfo_t info{};
    const int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      kill(program, sig);
      continue;
    }
    int status = 0;
    pid_t reaped;
    while ((reaped = waitpid(-1, &status, WNOHANG)) > 0)
      if (reaped == program) _exit(exit_code_of(status));
  }
}

}  // namespace ringfence::runtime
