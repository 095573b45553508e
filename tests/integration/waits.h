// Waiting for a condition instead of sleeping a fixed time. A fixed sleep is
// too short on a loaded machine (the test fails, or passes without having
// seen what it claims) and wasted time on an idle one; these wait for the
// condition itself, with a deadline so that a condition that never comes
// fails the test instead of hanging it.
#pragma once

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace ringfence::itest {

// Checks `done` every 10 ms until it holds or `timeout` has passed; returns
// whether it held.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A pidfd for `pid` (any process, not only a child), or -1.
inline int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// Waits until the process behind `pidfd` has exited (the pidfd turns
// readable then), and then until it has been reaped by its parent, which
// is when /proc/PID goes away: what `ringfence list` looks at.
inline bool exited_and_reaped(int pidfd, pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  pollfd p{pidfd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  return eventually([&] { return access(("/proc/" + std::to_string(pid)).c_str(), F_OK) != 0; }, timeout);
}

}  // namespace ringfence::itest
