// The supervisor: ringfence's process while the program runs. It forwards
// signals to the sandbox, answers seccomp notifications with the errno of
// the rule that sent them, and returns the program's exit code.
#pragma once

#include <sys/types.h>

#include "ringfence/enforcer/fd.h"
#include "ringfence/enforcer/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::runtime {

class Supervisor {
 public:
  Supervisor(const policy::Plan& plan, pid_t child) : plan_(plan), child_(child) {}

  // Before the child is released: the signals to forward are already
  // blocked (see block_forwarded_signals); open the descriptors to watch.
  enforcer::Status prepare();
  void set_listener(enforcer::Fd listener) { listener_ = std::move(listener); }

  // Until the child exits; returns its exit code.
  int run();

  // A signal to pass on that arrived while the sandbox was being set up
  // (0: none). Reads it from the queue, without waiting.
  int take_pending_signal();
  int signal_fd() const { return signals_.get(); }

 private:
  void answer_notification();

  const policy::Plan& plan_;
  pid_t child_;
  enforcer::Fd pidfd_, signals_, listener_;
  const policy::SeccompFilter* filter_ = nullptr;
};

// Blocks the forwarded signals and SIGCHLD in ringfence before the clone, so
// that none is lost between the clone and the supervisor's loop; returns the
// previous mask, which the child restores.
sigset_t block_forwarded_signals();

}  // namespace ringfence::runtime
