// The exit status of a process that is not ringfence's child. An OCI
// container's process is reaped by its engine's shim (conmon,
// containerd-shim), so only that shim can wait for it; the kernel's process
// events connector (CONFIG_PROC_EVENTS) reports every exit on the host with
// its wait status, to any listener with CAP_NET_ADMIN in the initial user
// and PID namespaces. A socket filter lets through only the exits of the one
// thread group watched, so a busy host wakes the watcher for nothing else.
#pragma once

#include <sys/types.h>

#include <optional>

#include "ringfence/base/fd.h"
#include "ringfence/base/status.h"

namespace ringfence::enforcer {

class ProcessExitWatch {
 public:
  // Subscribes to the exits of `tgid`'s threads. Must come before the
  // process can end: an exit before it is never reported. The socket is
  // never told to ignore events again: a forked copy shares it, and on
  // kernels since 6.6 "ignore" would stop its events too (closing the last
  // copy unsubscribes).
  Status open(pid_t tgid);
  // A socket open() subscribed in the process that exec'd this one.
  void adopt(Fd sock, pid_t tgid) {
    sock_ = std::move(sock);
    tgid_ = tgid;
  }
  bool valid() const { return sock_.valid(); }
  int fd() const { return sock_.get(); }

  // Reads what is queued, without waiting. Returns the wait status of the
  // thread group's last exit seen so far (the one that ended it, once the
  // process's pidfd says it has ended); nullopt when none was seen, or when
  // the kernel dropped events (the socket overflowed).
  std::optional<int> take_status();

 private:
  Fd sock_;
  pid_t tgid_ = 0;
  std::optional<int> last_;
  bool lost_ = false;
};

}  // namespace ringfence::enforcer
