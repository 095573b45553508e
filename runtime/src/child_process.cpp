#include "child_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <utility>

#include "ringfence/enforcer/pidfd.h"

namespace ringfence::runtime {

ChildProcess::ChildProcess(pid_t pid) : pid_(pid), pidfd_(enforcer::pidfd_open_process(pid)) {}

ChildProcess::~ChildProcess() { kill_and_reap(); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
  }
  return *this;
}

int ChildProcess::wait() {
  int status = 0;
  if (pid_ <= 0) return status;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  pidfd_.reset();
  return status;
}

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0) return;
  if (pidfd_.valid()) enforcer::pidfd_signal(pidfd_.get(), SIGKILL);
  else kill(pid_, SIGKILL);
  wait();
}

pid_t ChildProcess::release() {
  pidfd_.reset();
  return std::exchange(pid_, -1);
}

}  // namespace ringfence::runtime
