// pidfd calls. glibc 2.36's <sys/pidfd.h> lacks the extern "C" block C++
// needs, so the two calls ringfence uses go through syscall(2) here.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace ringfence::enforcer {

inline int pidfd_open_process(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

inline int pidfd_signal(int pidfd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace ringfence::enforcer
