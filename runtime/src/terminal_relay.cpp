#include "terminal_relay.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

namespace ringfence::runtime {
namespace {

// Input read ahead of what the pty takes: beyond this, stdin waits.
constexpr std::size_t kMaxPending = 64 * 1024;

// The first of stdout, stdin and stderr that is a terminal (Docker takes
// the size from its output stream), or -1.
int caller_terminal() {
  for (int fd : {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO})
    if (isatty(fd)) return fd;
  return -1;
}

// All of `data` to `fd`, which may be non-blocking (a caller's stdout is
// the caller's to configure); false when it cannot take it.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      (void)poll(&p, 1, -1);
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::pair<std::uint16_t, std::uint16_t>> caller_window_size() {
  const int fd = caller_terminal();
  winsize ws{};
  if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return std::nullopt;
  return std::make_pair(ws.ws_row, ws.ws_col);
}

TerminalRelay::TerminalRelay(Fd master, bool input) : master_(std::move(master)), input_(input), input_open_(input) {}

TerminalRelay::~TerminalRelay() { restore(); }

Status TerminalRelay::start() {
  const int flags = fcntl(master_.get(), F_GETFL);
  // Non-blocking, so that a program that does not read its input never
  // holds up the supervisor's loop (and with it the signals it forwards).
  if (flags < 0 || fcntl(master_.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    return Status::from_errno("make the terminal's master non-blocking");
  // A caller's stdout that went away is a write error to ignore, not a
  // signal that would end ringfence with the terminal still raw. The
  // program was cloned before this, so it keeps its own disposition.
  signal(SIGPIPE, SIG_IGN);
  if (input_ && isatty(STDIN_FILENO)) {
    termios saved{};
    if (tcgetattr(STDIN_FILENO, &saved) != 0) return Status::from_errno("read the terminal's modes");
    termios raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) return Status::from_errno("put the terminal in raw mode");
    saved_ = saved;
  }
  return {};
}

std::size_t TerminalRelay::poll_fds(pollfd* fds) const {
  std::size_t n = 0;
  short master_events = 0;
  if (output_open_) master_events |= POLLIN;
  if (!pending_.empty()) master_events |= POLLOUT;
  if (master_events != 0) fds[n++] = {master_.get(), master_events, 0};
  if (input_open_ && pending_.size() < kMaxPending) fds[n++] = {STDIN_FILENO, POLLIN, 0};
  return n;
}

void TerminalRelay::ready(const pollfd* fds, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const pollfd& p = fds[i];
    if (p.revents == 0) continue;
    if (p.fd == master_.get()) {
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        output_open_ = copy_output() && output_open_;
        // The program wrote: a prompt, perhaps, after a switch to raw mode.
        resend_end_of_input_if_raw();
      }
      if (p.revents & POLLOUT) write_input();
    } else if (p.fd == STDIN_FILENO) {
      read_input();
    }
  }
}

void TerminalRelay::read_input() {
  char buf[4096];
  const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n > 0) {
    pending_.append(buf, static_cast<std::size_t>(n));
    write_input();
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  input_open_ = false;
  if (n == 0) send_end_of_input();
}

// End of input (a pipe, not a terminal): the pty's end-of-file character,
// as if Ctrl-D was typed, so that a shell reading its input ends. Sent in
// raw mode too: a line editor (busybox sh's) reads its input raw and takes
// Ctrl-D on an empty line as the end.
void TerminalRelay::send_end_of_input() {
  termios modes{};
  const bool known = tcgetattr(master_.get(), &modes) == 0;
  const bool disabled = !known || modes.c_cc[VEOF] == _POSIX_VDISABLE;
  end_sent_canonical_ = known && (modes.c_lflag & ICANON);
  pending_.push_back(disabled ? '\x04' : static_cast<char>(modes.c_cc[VEOF]));
  write_input();
}

// An end-of-file the line discipline took in canonical mode waits in the
// pty as the end of a line; when the program switches to raw mode before
// reading it (a shell starting its line editor, which it does just before
// its prompt), it reads a NUL instead and waits for input that never comes.
// So the end is sent again, raw, once the pty is seen raw: input that has
// ended stays ended, as a pipe's does.
void TerminalRelay::resend_end_of_input_if_raw() {
  if (!end_sent_canonical_) return;
  termios modes{};
  if (tcgetattr(master_.get(), &modes) != 0 || (modes.c_lflag & ICANON)) return;
  send_end_of_input();
}

void TerminalRelay::write_input() {
  while (!pending_.empty()) {
    const ssize_t n = write(master_.get(), pending_.data(), pending_.size());
    if (n > 0) {
      pending_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // polled for POLLOUT
    pending_.clear();  // the program's side is gone
    return;
  }
}

bool TerminalRelay::copy_output() {
  char buf[16384];
  ssize_t n;
  do n = read(master_.get(), buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    // A caller's stdout that fails loses the output, not the program.
    (void)write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n));
    return true;
  }
  // EIO: every descriptor of the pty's peer is closed.
  return n < 0 && errno == EAGAIN;
}

void TerminalRelay::resize() {
  const auto size = caller_window_size();
  if (!size) return;
  winsize ws{};
  ws.ws_row = size->first;
  ws.ws_col = size->second;
  (void)ioctl(master_.get(), TIOCSWINSZ, &ws);
}

void TerminalRelay::finish() {
  // The kernel hands over what the program wrote before it ended; reading
  // stops at the first empty read, so that a process that outlived the
  // program and keeps the pty open cannot hold ringfence here.
  while (output_open_ && master_.valid()) {
    char buf[16384];
    const ssize_t n = read(master_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    (void)write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n));
  }
  output_open_ = false;
  restore();
}

void TerminalRelay::restore() {
  if (!saved_) return;
  // TCSADRAIN: what was written in raw mode reaches the terminal first.
  (void)tcsetattr(STDIN_FILENO, TCSADRAIN, &*saved_);
  saved_.reset();
}

}  // namespace ringfence::runtime
