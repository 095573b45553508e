#include "caller_stdio.h"
#include "ringfence/base/fault.h"

#include <fcntl.h>
#include <sys/socket.h>

#include "fd_passing.h"

namespace ringfence::runtime {

Status CallerStdio::prepare(RunContext& ctx) {
  if (!request_.stdin_open) {
    // The host's /dev/null, opened here: the sandbox's own /dev may have
    // none (a profile can leave it out), and the child only inherits it.
    ctx.stdin_null.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!ctx.stdin_null.valid()) return Status::from_errno("open /dev/null for the program's stdin");
  }
  if (!request_.tty) return {};
  int pair[2];
  if (fault::call("socketpair", [&] { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair); }) != 0)
    return Status::from_errno("socketpair for the terminal");
  ours_.reset(pair[0]);
  theirs_.reset(pair[1]);
  ctx.console_socket = theirs_.get();
  // Set on the pty before the program runs, so that its first look at the
  // size is already the caller's.
  ctx.console_size = caller_window_size();
  return {};
}

Status CallerStdio::attach() {
  if (!request_.tty) return {};
  // The child sent the master before its exec, and the start waited for
  // that exec: it is queued, or it never comes.
  theirs_.reset();
  auto master = receive_queued_fd(ours_.get());
  if (!master) return Status::failure("receive the terminal from the sandbox: " + master.status().message, master.status().err);
  if (!master->valid()) return Status::failure("the sandbox sent no terminal", EPROTO);
  ours_.reset();
  relay_ = std::make_unique<TerminalRelay>(std::move(*master), request_.stdin_open);
  return relay_->start();
}

}  // namespace ringfence::runtime
