#include <sys/ptrace.h>
#include <sys/wait.h>

#include <fmt/core.h>

#include "ringfence/enforcer/process_facts.h"

namespace ringfence::enforcer {

Status read_seccomp_filters(pid_t tid, std::vector<BpfProgram>& out) {
  out.clear();
  // The kernel hands a filter out only to a tracer whose tracee is stopped.
  if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) return Status::from_errno(fmt::format("ptrace seize {}", tid));
  Status st;
  int pass_on = 0;
  if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) {
    st = Status::from_errno(fmt::format("ptrace interrupt {}", tid));
  } else {
    int wstatus = 0;
    if (waitpid(tid, &wstatus, __WALL) != tid) {
      st = Status::from_errno(fmt::format("wait for {} to stop", tid));
    } else if (!WIFSTOPPED(wstatus)) {
      st = Status::failure(fmt::format("thread {} ended while being read", tid), ESRCH);
    } else {
      if ((wstatus >> 16) != PTRACE_EVENT_STOP) pass_on = WSTOPSIG(wstatus);
      for (unsigned long index = 0;; ++index) {
        const long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, index, nullptr);
        if (n < 0) {
          if (errno != ENOENT) st = Status::from_errno("PTRACE_SECCOMP_GET_FILTER");
          break;
        }
        BpfProgram program;
        program.insns.resize(static_cast<std::size_t>(n));
        if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, index, program.insns.data()) !=
            n) {
          st = Status::from_errno("PTRACE_SECCOMP_GET_FILTER");
          break;
        }
        out.push_back(std::move(program));
      }
    }
  }
  // Detaching restarts the thread where it was; an interrupted sleep goes
  // on. If a signal arrived first, the stop was its delivery: detaching
  // with it passes it on instead of swallowing it.
  (void)ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(pass_on)));
  return st;
}

}  // namespace ringfence::enforcer
