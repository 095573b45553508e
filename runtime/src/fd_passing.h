// A message with one descriptor attached (SCM_RIGHTS) on a UNIX socket: how
// a pty's master reaches an engine's console socket, a seccomp notify
// descriptor a listenerPath, and the child's messages its parent (sync.h).
#pragma once

#include <cstddef>
#include <string_view>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::runtime {

// Returns how many bytes of `data` were sent (all, for a stream socket that
// is not full). `fd` < 0: the data alone. Interrupted sends are retried.
Result<std::size_t> send_with_fd(int socket, std::string_view data, int fd);

// The descriptor of one message already queued on `socket` (close-on-exec),
// without waiting: an invalid Fd when the message carried none; an error
// when nothing is queued. What else the message says is dropped.
Result<Fd> receive_queued_fd(int socket);

}  // namespace ringfence::runtime
