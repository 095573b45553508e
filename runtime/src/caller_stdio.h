// How the caller's stdin, stdout and terminal reach a program that `run` or
// `exec` starts (not an OCI engine's, whose stdio is the engine's affair):
//
//   -t   the program gets a pty made in the sandbox's own devpts
//        (terminal.h); its master comes back to ringfence over a socketpair
//        that takes the place of an engine's console socket, and ringfence
//        relays it (terminal_relay.h)
//   -i   stdin stays open; without it the program reads /dev/null, as under
//        Docker, and never holds the caller's input
#pragma once

#include <memory>

#include "ringfence/base/fd.h"
#include "ringfence/base/status.h"
#include "run_context.h"
#include "terminal_relay.h"

namespace ringfence::runtime {

struct StdioRequest {
  bool tty = false;
  bool stdin_open = true;
};

class CallerStdio {
 public:
  explicit CallerStdio(StdioRequest request) : request_(request) {}

  // Before the clone: what the child needs in `ctx`.
  Status prepare(RunContext& ctx);
  // Once the program runs: the pty's master the child sent, and the relay
  // started on it (raw mode). Nothing to do without -t.
  Status attach();
  // The relay for the supervisor's loop; nullptr without -t.
  TerminalRelay* relay() { return relay_.get(); }

 private:
  StdioRequest request_;
  Fd ours_, theirs_;  // the console pair: ringfence's end, the child's end
  std::unique_ptr<TerminalRelay> relay_;
};

}  // namespace ringfence::runtime
