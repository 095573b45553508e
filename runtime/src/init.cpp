#include "init.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace ringfence::runtime {
namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// The init is a fork of the ringfence command: its argv — the host's
// command line, with host paths in it — would show in the sandbox's
// /proc/1/cmdline. Blank it and name the process plainly.
void retitle(const char* title) {
  prctl(PR_SET_NAME, title, 0, 0, 0);
  std::ifstream in("/proc/self/stat");
  std::string stat;
  if (!std::getline(in, stat)) return;
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long arg_start = 0, arg_end = 0;
  // Fields 48 and 49 (arg_start, arg_end); field 3 is the first after ')'.
  for (int i = 3; i < 48 && fields >> field; ++i) {
  }
  if (!(fields >> arg_start >> arg_end) || arg_end <= arg_start) return;
  char* args = reinterpret_cast<char*>(arg_start);
  const std::size_t size = arg_end - arg_start;
  std::memset(args, 0, size);
  std::strncpy(args, title, size - 1);
}

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
  retitle("ringfence-init");
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
