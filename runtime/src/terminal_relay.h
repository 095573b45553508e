// `run -t` and `exec -t` on the caller's side: ringfence holds the master of
// the pty the sandbox made in its own devpts (terminal.h) and copies bytes
// between it and its own stdin and stdout, as `docker run -it` does. The
// supervisor's loop (supervisor.h) polls the descriptors it names and calls
// it back; there is no second loop.
//
// With input relayed and a terminal on stdin, that terminal is put in raw
// mode, so Ctrl-C, Ctrl-Z and Ctrl-\ travel as bytes to the pty, whose line
// discipline turns them into signals for the program's foreground process
// group; its modes are restored when the relay finishes or is destroyed.
#pragma once

#include <poll.h>
#include <termios.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "ringfence/base/fd.h"
#include "ringfence/base/status.h"

namespace ringfence::runtime {

// The caller's window size (rows, columns), from the first of stdout, stdin
// and stderr that is a terminal; none when none is.
std::optional<std::pair<std::uint16_t, std::uint16_t>> caller_window_size();

class TerminalRelay {
 public:
  // Takes the pty's master. `input`: stdin is copied to the pty (-i);
  // otherwise it is left alone, as Docker leaves it without -i.
  TerminalRelay(Fd master, bool input);
  ~TerminalRelay();
  TerminalRelay(const TerminalRelay&) = delete;
  TerminalRelay& operator=(const TerminalRelay&) = delete;

  // Raw mode on the caller's terminal (when input is relayed and stdin is
  // one) and the master non-blocking. Call once, after the program runs.
  Status start();

  // The descriptors to poll now, written from `fds`; at most kMaxPollFds.
  static constexpr std::size_t kMaxPollFds = 3;
  std::size_t poll_fds(pollfd* fds) const;
  // After the poll, with the same entries and their revents.
  void ready(const pollfd* fds, std::size_t count);

  // SIGWINCH: the caller's window size becomes the pty's; the kernel then
  // sends SIGWINCH to the program's foreground process group itself.
  void resize();

  // The program ended: what it wrote last is copied out, then the caller's
  // terminal gets its modes back. Safe to call more than once.
  void finish();

 private:
  void read_input();
  void send_end_of_input();
  void resend_end_of_input_if_raw();
  void write_input();
  bool copy_output();  // false when the master has nothing more to give
  void restore();

  Fd master_;
  bool input_;
  bool input_open_;
  bool output_open_ = true;
  std::string pending_;  // read from stdin, not yet taken by the pty
  // After stdin ended: whether the pty was canonical when the last
  // end-of-file character went, which a switch to raw mode turns into a NUL.
  bool end_sent_canonical_ = false;
  std::optional<termios> saved_;  // the caller's modes, while they are raw
};

}  // namespace ringfence::runtime
