// A process ringfence started and must not leave behind: killed and reaped
// when its owner lets go of it on any path, unless released to the one that
// will wait for it (the supervisor).
#pragma once

#include <sys/types.h>

#include "ringfence/base/fd.h"

namespace ringfence::runtime {

class ChildProcess {
 public:
  ChildProcess() = default;
  // Takes `pid` (a child of this process) and opens a pidfd for it.
  explicit ChildProcess(pid_t pid);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool owned() const { return pid_ > 0; }
  // Waits for it; returns its wait status. It is then no longer owned.
  int wait();
  // SIGKILL (by pidfd: never another process with a reused pid) and wait.
  void kill_and_reap();
  // No longer owned: someone else waits for it.
  pid_t release();

 private:
  pid_t pid_ = -1;
  Fd pidfd_;
};

}  // namespace ringfence::runtime
