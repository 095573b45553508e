#include "supervisor.h"
#include "ringfence/base/fault.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include <fmt/core.h>

#include "init.h"
#include "output_log.h"
#include "terminal_relay.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_query.h"

namespace ringfence::runtime {
namespace {

// The fsync policy of docs/audit.md: records reach the file, and the disk,
// in batches of at most this many records or this much delay. A burst of
// denied calls then costs one write and one fsync per batch, not per call.
constexpr std::size_t kMaxBatch = 4096;
constexpr auto kMaxDelay = std::chrono::milliseconds(50);

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

SupervisorRules SupervisorRules::of(const policy::Plan& plan) {
  SupervisorRules rules;
  rules.filter = plan.params<policy::StepKind::SeccompCompile>();
  if (const auto* want = plan.params<policy::StepKind::Supervise>()) {
    rules.supervise = *want;
    rules.has_supervise = true;
  }
  return rules;
}

Status Supervisor::prepare(Fd pidfd) {
  sigset_t set = supervised_set();
  signals_.reset(fault::call("signalfd", [&] { return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK); }));
  if (!signals_.valid()) return Status::from_errno("signalfd");
  // Handed over, never opened again: a monitor's process is not its child,
  // and its pid may already name another process.
  if (pidfd.valid()) pidfd_ = std::move(pidfd);
  else pidfd_.reset(fault::call("pidfd_open", [&] { return enforcer::pidfd_open_process(child_); }));
  if (!pidfd_.valid()) return Status::from_errno("pidfd_open");
  filter_ = rules_of_plan_.filter;
  sandbox_json_ = nlohmann::json(audit_.sandbox).dump();
  return {};
}

void Supervisor::watch_cgroup(const enforcer::Cgroup& cgroup, std::optional<enforcer::CgroupCounters> seen) {
  // Watched with or without an audit log: the launcher also tells the
  // user when a limit ended the program.
  if (!rules_of_plan_.has_supervise) return;
  if (!rules_of_plan_.supervise.oom && !rules_of_plan_.supervise.pids) return;
  enforcer::CgroupEvents events;
  if (Status st = events.open(cgroup); !st) {
    std::fprintf(stderr, "ringfence: warning: OOM and pids events will not be recorded: %s\n", st.message.c_str());
    return;
  }
  seen_ = seen ? *seen : events.read();  // what happened before the program (nothing, normally)
  cgroup_events_.emplace(std::move(events));
}

void Supervisor::watch_denials(KernelAuditReader reader, DenialSource source) {
  denial_reader_.emplace(std::move(reader));
  denials_.emplace(rules_of_plan_.filter, std::move(source));
  next_denial_summary_ = std::chrono::steady_clock::now() + DenialRecorder::kSummaryInterval;
}

void Supervisor::record_denials() {
  if (!denials_) return;
  denial_reader_->drain([&](const audit::KernelRecord& r) { denials_->take(r, denial_events_); });
  for (auto& e : denial_events_) record(std::move(e));
  denial_events_.clear();
}

void Supervisor::finish_denials() {
  if (!denials_) return;
  auto take = [&](const audit::KernelRecord& r) { denials_->take(r, denial_events_); };
  const bool confirmed = denial_reader_->drain_until_now(500, take);
  // No marker (its thread could not load a filter, or the host took `log`
  // out of seccomp's actions_logged): what has come in so far, and a record
  // that says the last ones may be missing.
  if (!confirmed) denial_reader_->drain(take);
  denials_->flush(denial_events_, DenialRecorder::Flush::AtStop);
  for (auto& e : denial_events_) record(std::move(e));
  denial_events_.clear();
  if (const std::uint64_t lost = denial_reader_->dropped(); lost > 0)
    record({{"event", "denials.lost"},
            {"dropped", lost},
            {"message", "the kernel's audit records came faster than they were read: some denials are missing"}});
  if (!confirmed)
    record({{"event", "denials.lost"},
            {"dropped", nullptr},
            {"message", "the end of the kernel's records could not be waited for: denials made just before the "
                        "program ended may be missing"}});
}

void Supervisor::record(nlohmann::json event) {
  if (!audit_.log) return;
  if (audit_.log->pending() == 0) oldest_pending_ = std::chrono::steady_clock::now();
  event["sandbox"] = audit_.sandbox;
  audit_.log->add(std::move(event));
  if (audit_.log->pending() >= kMaxBatch) flush();
}

void Supervisor::flush() {
  if (!audit_.log || audit_.log->pending() == 0) return;
  if (Status st = audit_.log->flush(); !st) stop_unaudited(st);
}

void Supervisor::stop_unaudited(const Status& why) {
  // The same rule as at the start: a sandbox that cannot be audited does
  // not run. What it did so far is in the log; what it would do next could
  // not be, so it is stopped now, not after some number of records. The
  // records are kept queued and tried again until the end (a disk that
  // was freed meanwhile gets them, and the stop).
  if (log_failure_) return;
  log_failure_ = why;
  if (ended_) return;  // the records of its very end: nothing is left to stop
  killed_for_log_ = true;
  std::fprintf(stderr,
               "ringfence: the audit log cannot be written (%s): stopping the sandbox (SIGKILL) so that it does not "
               "run unaudited\n",
               why.message.c_str());
  enforcer::pidfd_signal(pidfd_.get(), SIGKILL);
}

void Supervisor::seal_if_due() {
  if (!audit_.log) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_seal_) return;
  next_seal_ = now + kSealInterval;
  audit_.log->request_seal();  // nothing is written when the log is not sealed, or already ends in a seal
  if (Status st = audit_.log->flush(); !st) stop_unaudited(st);
}

int Supervisor::poll_timeout_ms() const {
  if (!audit_.log) return -1;
  auto due = next_seal_;
  if (audit_.log->pending() != 0) due = std::min(due, oldest_pending_ + kMaxDelay);
  if (denials_ && denials_->has_held()) due = std::min(due, next_denial_summary_);
  const auto left = due - std::chrono::steady_clock::now();
  return std::max<int>(0, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count()));
}

const std::string& Supervisor::syscall_name(std::uint32_t arch, int nr) {
  const std::uint64_t key = (std::uint64_t{arch} << 32) | static_cast<std::uint32_t>(nr);
  auto it = names_.find(key);
  if (it == names_.end()) it = names_.emplace(key, policy::seccomp_syscall_name(arch, nr)).first;
  return it->second;
}

void Supervisor::answer_notification() {
  seccomp_notif req{};
  if (ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;  // the caller died meanwhile
  seccomp_notif_resp resp{};
  resp.id = req.id;
  std::array<std::uint64_t, 6> args{};
  for (int i = 0; i < 6; ++i) args[i] = req.data.args[i];
  const std::string& name = syscall_name(req.data.arch, req.data.nr);
  // Made at the first notification: a sandbox may never send one, and the
  // index costs hundreds of allocations to make and free.
  if (filter_ && !rules_) rules_.emplace(*filter_);
  const policy::SeccompRule* rule = rules_ && !name.empty() ? rules_->match(name, args) : nullptr;
  const bool learn = filter_ && filter_->learn;
  if (learn) {
    // The call runs as if the filter had allowed it. CONTINUE is not a
    // security boundary (the arguments may change before the kernel reads
    // them); learn mode is for learning, never for confining.
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    resp.error = 0;
    resp.val = 0;
    if (audit_.learned) {
      if (name.empty()) audit_.learned->add_unknown();
      else audit_.learned->add(name, args);
    }
  } else {
    const int err = rule ? rule->action.errno_value : (filter_ ? filter_->default_action.errno_value : EPERM);
    resp.error = -(err == 0 ? EPERM : err);
  }
  // The id is still valid only if the caller still waits (it may have been
  // killed); an answer to a stale id is refused by the kernel anyway.
  const bool waiting = ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0;
  const bool answered = waiting && ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
  if (!audit_.log) return;
  // Recorded after the answer, so that the program does not wait for the
  // log; recorded whatever became of the caller, so that nothing received
  // is lost. Written as text directly: every value is a number, a syscall,
  // architecture or errno name, or a string serialised once.
  auto& rule_text = rule_json_[rule];
  if (rule_text.empty()) rule_text = nlohmann::json(rule ? rule->from.text() : "default").dump();
  if (audit_.log->pending() == 0) oldest_pending_ = std::chrono::steady_clock::now();
  audit_.log->add_fields(fmt::format(
      R"("event":"seccomp.notify","sandbox":{},"pid":{},"syscall":"{}","nr":{},"arch":"{}",)"
      R"("args":["0x{:x}","0x{:x}","0x{:x}","0x{:x}","0x{:x}","0x{:x}"],"rule":{},"answer":"{}")",
      sandbox_json_, req.pid, name, req.data.nr, policy::seccomp_arch_name(req.data.arch), args[0], args[1], args[2],
      args[3], args[4], args[5], rule_text,
      !answered ? std::string("none (the caller is gone)")
      : learn   ? std::string("continue (learn)")
                : policy::errno_name(-resp.error)));
  if (audit_.log->pending() >= kMaxBatch) flush();
}

void Supervisor::record_cgroup_events() {
  if (!cgroup_events_) return;
  cgroup_events_->acknowledge();
  const auto now = cgroup_events_->read();
  if (now.oom_kills > seen_.oom_kills)
    record({{"event", "cgroup.oom"},
            {"oom_kills", now.oom_kills - seen_.oom_kills},
            {"memory_limit", cgroup_events_->memory_limit()}});
  if (now.pids_max_hits > seen_.pids_max_hits)
    record({{"event", "cgroup.pids-limit"},
            {"refused_forks", now.pids_max_hits - seen_.pids_max_hits},
            {"pids_limit", cgroup_events_->pids_limit()}});
  seen_ = now;
}

std::vector<int> Supervisor::fds() const {
  std::vector<int> held;
  for (const Fd* fd : {&pidfd_, &signals_, &listener_})
    if (fd->valid()) held.push_back(fd->get());
  if (exits_.valid()) held.push_back(exits_.fd());
  if (denial_reader_) held.push_back(denial_reader_->fd());
  if (cgroup_events_)
    for (int fd : cgroup_events_->fds()) held.push_back(fd);
  return held;
}

Supervisor::Standing Supervisor::standing() const {
  Standing now;
  now.rules = rules_of_plan_;
  now.pidfd = pidfd_.get();
  now.exits = exits_.valid() ? exits_.fd() : -1;
  now.forward = forward_;
  now.listener = listener_.valid() ? listener_.get() : -1;
  if (denial_reader_) {
    now.denials = denial_reader_->fd();
    now.denial_source = denials_->source();
  }
  now.watches_cgroup = cgroup_events_.has_value();
  now.seen = seen_;
  return now;
}

int Supervisor::take_pending_signal() {
  signalfd_siginfo info{};
  while (read(signals_.get(), &info, sizeof info) == sizeof info)
    if (info.ssi_signo != SIGCHLD) return static_cast<int>(info.ssi_signo);
  return 0;
}

int Supervisor::run() {
  while (true) {
    std::array<pollfd, 10 + TerminalRelay::kMaxPollFds> fds{};
    std::size_t n = 0;
    fds[n++] = {signals_.get(), POLLIN, 0};
    fds[n++] = {pidfd_.get(), POLLIN, 0};
    if (listener_.valid()) fds[n++] = {listener_.get(), POLLIN, 0};
    const std::size_t first_cgroup_fd = n;
    if (cgroup_events_)
      for (const auto& p : cgroup_events_->poll_fds())
        if (n + TerminalRelay::kMaxPollFds + 2 < fds.size()) fds[n++] = p;
    const std::size_t first_relay_fd = n;
    if (relay_) n += relay_->poll_fds(&fds[n]);
    const std::size_t output_fd = n;
    if (output_) n += output_->poll_fds(&fds[n]);
    const std::size_t denial_fd = n;
    if (denial_reader_) fds[n++] = {denial_reader_->fd(), POLLIN, 0};
    const int ready = poll(fds.data(), n, poll_timeout_ms());
    if (ready < 0) continue;  // EINTR
    if (ready == 0) {
      if (denials_ && std::chrono::steady_clock::now() >= next_denial_summary_) {
        next_denial_summary_ = std::chrono::steady_clock::now() + DenialRecorder::kSummaryInterval;
        denials_->flush(denial_events_, DenialRecorder::Flush::Periodic);
        for (auto& e : denial_events_) record(std::move(e));
        denial_events_.clear();
      }
      flush();  // the oldest record has waited kMaxDelay
      seal_if_due();
      continue;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (read(signals_.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD || !forward_) continue;
        // The pty's own resize signals its foreground process group.
        if (info.ssi_signo == SIGWINCH && relay_) relay_->resize();
        else enforcer::pidfd_signal(pidfd_.get(), static_cast<int>(info.ssi_signo));
      }
    }
    if (relay_) relay_->ready(&fds[first_relay_fd], output_fd - first_relay_fd);
    if (output_) output_->ready(&fds[output_fd], denial_fd - output_fd);
    if (denial_reader_ && fds[denial_fd].revents) record_denials();
    if (listener_.valid()) {
      if (fds[2].revents & POLLIN) answer_notification();
      else if (fds[2].revents & (POLLHUP | POLLERR)) listener_.reset();
    }
    for (std::size_t i = first_cgroup_fd; i < first_relay_fd; ++i)
      if (fds[i].revents) {
        record_cgroup_events();
        break;
      }
    if (fds[1].revents & POLLIN) {
      int status = 0;
      const pid_t waited = waitpid(child_, &status, 0);
      // A monitor's process is its shim's child: it has ended (the pidfd
      // said so), and its exit event is already queued.
      const bool not_ours = waited < 0 && errno == ECHILD;
      if (waited == child_ || not_ours) {
        ended_ = true;
        // Notifications still queued belong to callers that are gone; the
        // counters catch an OOM kill the poll did not see in time.
        while (listener_.valid()) {
          pollfd l{listener_.get(), POLLIN, 0};
          if (poll(&l, 1, 0) <= 0 || !(l.revents & POLLIN)) break;
          answer_notification();
        }
        record_cgroup_events();
        finish_denials();
        flush();
        if (relay_) relay_->finish();
        if (output_) output_->finish();
        if (audit_.learned) audit_.learned->finished = true;
        if (not_ours) {
          const auto reported = exits_.take_status();
          return reported ? exit_code_of(*reported) : kStatusUnknown;
        }
        return exit_code_of(status);
      }
    }
  }
}

}  // namespace ringfence::runtime
