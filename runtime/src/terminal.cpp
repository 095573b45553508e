#include "terminal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "ringfence/base/fd.h"
#include "fd_passing.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace ringfence::runtime {

Status send_fd(int socket, int fd, const char* name) {
  // The name with its NUL, as runc sends it.
  if (auto sent = send_with_fd(socket, std::string_view(name, std::strlen(name) + 1), fd); !sent)
    return Status::failure("send the terminal to the console socket: " + sent.status().message, sent.status().err);
  return {};
}

Status setup_terminal(int console_socket, const std::optional<std::pair<std::uint16_t, std::uint16_t>>& size) {
  Fd master(open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.valid()) return Status::from_errno("open /dev/pts/ptmx (a terminal needs the container's devpts)");
  struct statfs fs {};
  if (fstatfs(master.get(), &fs) != 0 || fs.f_type != DEVPTS_SUPER_MAGIC)
    return Status::failure("/dev/pts/ptmx is not on a devpts filesystem", EINVAL);
  int unlock = 0;
  if (ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) return Status::from_errno("unlock the pty");
  Fd peer(ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!peer.valid()) return Status::from_errno("open the pty's peer");
  if (size) {
    winsize ws{};
    ws.ws_row = size->first;
    ws.ws_col = size->second;
    if (ioctl(peer.get(), TIOCSWINSZ, &ws) != 0) return Status::from_errno("set the terminal's size");
  }
  // A session of its own, whose controlling terminal is the peer.
  if (getsid(0) != getpid() && setsid() < 0) return Status::from_errno("setsid");
  if (ioctl(peer.get(), TIOCSCTTY, 0) != 0) return Status::from_errno("make the pty the controlling terminal");
  for (int n = 0; n < 3; ++n)
    if (dup2(peer.get(), n) < 0) return Status::from_errno("make the pty the process's stdio");
  return send_fd(console_socket, master.get(), "/dev/ptmx");
}

}  // namespace ringfence::runtime
