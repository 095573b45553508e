#include "supervisor.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include "ringfence/enforcer/pidfd.h"
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

#include "init.h"
#include "ringfence/policy/seccomp_query.h"

namespace ringfence::runtime {
namespace {

sigset_t supervised_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  int n = 0;
  const int* sigs = forwarded_signals(&n);
  for (int i = 0; i < n; ++i) sigaddset(&set, sigs[i]);
  return set;
}

}  // namespace

sigset_t block_forwarded_signals() {
  sigset_t set = supervised_set(), previous;
  sigprocmask(SIG_BLOCK, &set, &previous);
  return previous;
}

enforcer::Status Supervisor::prepare() {
  sigset_t set = supervised_set();
  signals_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_.valid()) return enforcer::Status::from_errno("signalfd");
  pidfd_.reset(enforcer::pidfd_open_process(child_));
  if (!pidfd_.valid()) return enforcer::Status::from_errno("pidfd_open");
  if (const auto* step = plan_.find("seccomp.compile")) filter_ = &step->get<policy::SeccompFilter>();
  return {};
}

void Supervisor::answer_notification() {
  seccomp_notif req{};
  if (ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;  // the caller died meanwhile
  seccomp_notif_resp resp{};
  resp.id = req.id;
  std::array<std::uint64_t, 6> args{};
  for (int i = 0; i < 6; ++i) args[i] = req.data.args[i];
  const policy::SeccompRule* rule =
      filter_ ? policy::seccomp_match(*filter_, req.data.arch, req.data.nr, args) : nullptr;
  const int err = rule ? rule->action.errno_value : (filter_ ? filter_->default_action.errno_value : EPERM);
  resp.error = -(err == 0 ? EPERM : err);
  // The id is still valid only if the caller still waits (it may have been
  // killed); an answer to a stale id is refused by the kernel anyway.
  if (ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) != 0) return;
  ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

int Supervisor::take_pending_signal() {
  signalfd_siginfo info{};
  while (read(signals_.get(), &info, sizeof info) == sizeof info)
    if (info.ssi_signo != SIGCHLD) return static_cast<int>(info.ssi_signo);
  return 0;
}

int Supervisor::run() {
  while (true) {
    pollfd fds[3] = {{signals_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    const nfds_t n = listener_.valid() ? 3 : 2;
    if (poll(fds, n, -1) < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (read(signals_.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo != SIGCHLD) enforcer::pidfd_signal(pidfd_.get(), static_cast<int>(info.ssi_signo));
      }
    }
    if (n == 3 && (fds[2].revents & POLLIN)) answer_notification();
    if (n == 3 && (fds[2].revents & (POLLHUP | POLLERR))) listener_.reset();
    if (fds[1].revents & POLLIN) {
      int status = 0;
      if (waitpid(child_, &status, 0) == child_) return exit_code_of(status);
    }
  }
}

}  // namespace ringfence::runtime
