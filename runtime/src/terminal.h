// process.terminal for an OCI container (and `exec --tty`): the child makes
// a pty in the container's own devpts, makes its peer the controlling
// terminal and stdio, and sends the master to the engine's console socket.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "ringfence/base/status.h"

namespace ringfence::runtime {

// Never a host /dev/console or a host pty (runc CVE-2025-52565): the
// multiplexer opened is /dev/pts/ptmx, checked to be on a devpts, and the
// peer comes from it by TIOCGPTPEER, never by a path.
Status setup_terminal(int console_socket, const std::optional<std::pair<std::uint16_t, std::uint16_t>>& size);

// Sends `fd` over the unix socket `socket` (SCM_RIGHTS), with `name` as data.
Status send_fd(int socket, int fd, const char* name);

}  // namespace ringfence::runtime
