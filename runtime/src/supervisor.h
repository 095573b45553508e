// The supervisor: ringfence's process while the program runs. It forwards
// signals to the sandbox, answers seccomp notifications with the errno of
// the rule that sent them (in learn mode: lets them continue and learns
// them), records each one and each OOM kill and pids-limit hit in the audit
// log, and returns the program's exit code.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ringfence/audit/log_writer.h"
#include "ringfence/audit/seal.h"
#include "ringfence/enforcer/cgroup_events.h"
#include "ringfence/enforcer/process_exits.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/learn.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/seccomp_query.h"
#include "denial_recorder.h"
#include "kernel_audit.h"

namespace ringfence::runtime {

class OutputLog;
class TerminalRelay;

// Where the supervisor's records go: the sandbox's log writer (nullptr: no
// log) and the name each record carries.
struct SupervisorAudit {
  audit::LogWriter* log = nullptr;
  std::string sandbox;
  // Learn mode (the plan's filter says `learn`): where the calls let
  // through are learned; nullptr: only recorded.
  policy::LearnedCalls* learned = nullptr;
};

// What of the plan the supervisor acts on: the seccomp filter whose
// notifications it answers and whose refusals it attributes (nullptr: none),
// and which cgroup events it records. Not the plan itself, so that the
// small supervisor a detached sandbox execs (handover.h) can make one from
// its description alone.
struct SupervisorRules {
  const policy::SeccompFilter* filter = nullptr;
  policy::SuperviseParams supervise;
  bool has_supervise = false;  // the plan has a `supervise` step

  static SupervisorRules of(const policy::Plan& plan);
};

class Supervisor {
 public:
  Supervisor(SupervisorRules rules, pid_t child, SupervisorAudit audit = {})
      : rules_of_plan_(rules), child_(child), audit_(std::move(audit)) {}

  // Before the child is released: the signals to forward are already
  // blocked (see block_forwarded_signals); open the descriptors to watch.
  // `pidfd`: the child's, when the process that exec'd this one opened it.
  Status prepare(Fd pidfd = Fd());
  void set_listener(Fd listener) { listener_ = std::move(listener); }
  // For a listener another process answers (an OCI listenerPath).
  Fd take_listener() { return std::move(listener_); }
  // The sandbox's cgroup, whose OOM kills and pids-limit hits to record.
  // `seen`: the counters the watch starts from, when an earlier process
  // (the one that exec'd this supervisor) already read them.
  void watch_cgroup(const enforcer::Cgroup& cgroup, std::optional<enforcer::CgroupCounters> seen = std::nullopt);

  // A monitor's (launcher_core.h): the process is not this one's child, so
  // its status comes from the kernel's exit events, and signals sent to
  // the monitor are not the container's (its engine signals it through
  // `kill`).
  void watch_exit(enforcer::ProcessExitWatch exits) { exits_ = std::move(exits); }
  // The kernel's audit records of refused calls and accesses (kernel_audit.h),
  // recorded as the sandbox's denials (denial_recorder.h).
  void watch_denials(KernelAuditReader reader, DenialSource source);
  bool watches_denials() const { return denials_.has_value(); }
  bool has_listener() const { return listener_.valid(); }
  void stop_forwarding() { forward_ = false; }
  // `-t`: the loop also relays the caller's terminal and the pty (not
  // owned); SIGWINCH then resizes the pty instead of being forwarded.
  void relay_terminal(TerminalRelay* relay) { relay_ = relay; }
  // --detach: the loop also copies the program's output pipe to its
  // bounded log (not owned).
  void pump_output(OutputLog* output) { output_ = output; }
  // What the cgroup's counters said at the last look (the end, once run
  // returned), and the limits in force ("" when not watched).
  enforcer::CgroupCounters cgroup_counters() const { return seen_; }
  std::string memory_limit() const { return cgroup_events_ ? cgroup_events_->memory_limit() : ""; }
  std::string pids_limit() const { return cgroup_events_ ? cgroup_events_->pids_limit() : ""; }
  // Every descriptor it holds: what a monitor keeps when it closes the rest.
  std::vector<int> fds() const;

  // Where this supervisor stands, for a small supervisor to carry on from
  // (handover.h): before run(), so nothing has been read from the
  // descriptors yet.
  struct Standing {
    SupervisorRules rules;
    int pidfd = -1;     // the child's
    int exits = -1;     // a monitor's exit events (watch_exit)
    bool forward = true;
    int listener = -1;  // the seccomp listener's descriptor
    int denials = -1;   // the kernel audit socket's
    DenialSource denial_source;
    bool watches_cgroup = false;
    enforcer::CgroupCounters seen;  // the cgroup's counters when the watch began
  };
  Standing standing() const;

  // Until the child exits; returns its exit code (kStatusUnknown when it
  // was not this process's child and its exit was not reported). Every
  // record is flushed before it returns.
  int run();
  static constexpr int kStatusUnknown = -1;
  // Why the sandbox was stopped: its records could not be written (the
  // log's disk is full or failing, or the log was removed or replaced
  // under it); nullptr when it was not.
  const Status* log_failure() const { return log_failure_ ? &*log_failure_ : nullptr; }
  // Whether that failure came while the sandbox ran, and it was killed for
  // it (else it came with the records of its end).
  bool stopped_for_log() const { return killed_for_log_; }

  // A signal to pass on that arrived while the sandbox was being set up
  // (0: none). Reads it from the queue, without waiting.
  int take_pending_signal();
  int signal_fd() const { return signals_.get(); }

 private:
  void answer_notification();
  const std::string& syscall_name(std::uint32_t arch, int nr);
  void record(nlohmann::json event);
  void record_cgroup_events();
  void record_denials();
  // At the end: every record the kernel made before the program ended,
  // the counts, and what was lost.
  void finish_denials();
  void flush();
  // A write of the log failed: the sandbox is killed, once.
  void stop_unaudited(const Status& why);
  // A seal every kSealIntervalSeconds while the sandbox runs, so that
  // records of a quiet log do not wait for the next stop to be sealed.
  void seal_if_due();
  int poll_timeout_ms() const;

  SupervisorRules rules_of_plan_;
  pid_t child_;
  SupervisorAudit audit_;
  Fd pidfd_, signals_, listener_;
  const policy::SeccompFilter* filter_ = nullptr;
  std::optional<policy::SeccompRuleIndex> rules_;
  std::string sandbox_json_;  // the sandbox's name as a JSON string
  // Each rule's location as a JSON string, made once.
  std::unordered_map<const policy::SeccompRule*, std::string> rule_json_;
  std::optional<enforcer::CgroupEvents> cgroup_events_;
  enforcer::ProcessExitWatch exits_;
  bool forward_ = true;
  TerminalRelay* relay_ = nullptr;
  OutputLog* output_ = nullptr;
  enforcer::CgroupCounters seen_;
  // Syscall names by (arch << 32 | nr): resolving one with libseccomp is a
  // table search, and a burst asks for the same few again and again.
  std::unordered_map<std::uint64_t, std::string> names_;
  std::chrono::steady_clock::time_point oldest_pending_{};
  std::chrono::steady_clock::time_point next_seal_ = std::chrono::steady_clock::now() + kSealInterval;
  static constexpr auto kSealInterval = std::chrono::seconds(audit::kSealIntervalSeconds);
  std::optional<Status> log_failure_;
  bool killed_for_log_ = false;
  bool ended_ = false;  // the program ended; what is flushed now are its last records
  std::optional<KernelAuditReader> denial_reader_;
  std::optional<DenialRecorder> denials_;
  std::chrono::steady_clock::time_point next_denial_summary_{};
  std::vector<nlohmann::json> denial_events_;  // reused: what one read of the socket made
};

// Blocks the forwarded signals and SIGCHLD in ringfence before the clone, so
// that none is lost between the clone and the supervisor's loop; returns the
// previous mask, which the child restores.
sigset_t block_forwarded_signals();

}  // namespace ringfence::runtime
