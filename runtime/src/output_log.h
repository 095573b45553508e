// A detached sandbox's stdout and stderr, kept bounded (docs/runtime.md,
// "Detached sandboxes"): the program writes into a pipe, and the
// supervisor's loop (supervisor.h) copies what comes to STATE_ROOT/NAME.log.
// When that file would pass kMaxBytes it becomes NAME.log.1 (replacing the
// older one) and a new NAME.log starts, so a chatty program keeps at most
// two files' worth on disk, as Docker's json-file log with max-size and
// max-file 2. The program never holds the file, so it cannot grow it
// behind the supervisor's back.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::runtime {

class OutputLog {
 public:
  static constexpr off_t kMaxBytes = 16 << 20;

  // Opens NAME.log and makes the pipe. `max_bytes` is for the tests.
  static Result<OutputLog> open(const std::string& state_root, const std::string& name, off_t max_bytes = kMaxBytes);

  // The file and the pipe's read end another process opened (the one that
  // exec'd this one), after take_back_stdio.
  static Result<OutputLog> adopt(const std::string& state_root, const std::string& name, Fd file, Fd read,
                                 off_t max_bytes = kMaxBytes);
  // The descriptors adopt() takes: the file and the pipe's read end.
  int file_fd() const { return file_.get(); }
  int pipe_fd() const { return read_.get(); }
  off_t max_bytes() const { return max_; }
  // Before the clone: the pipe's write end becomes this process's stdout
  // and stderr, which the program inherits.
  Status give_stdio();
  // After the clone: this process's stdout and stderr become the file
  // itself (its own messages go there directly), so that the pipe ends
  // when the program and all it started have closed it.
  Status take_back_stdio();

  // For the supervisor's poll: the pipe's read end (none once it ended).
  std::size_t poll_fds(pollfd* fds) const;
  void ready(const pollfd* fds, std::size_t count);
  // The program ended: what is in the pipe is copied out, without waiting
  // for writers that outlive it.
  void finish();

 private:
  OutputLog(std::string root, std::string name, off_t max_bytes) : root_(std::move(root)), name_(std::move(name)), max_(max_bytes) {}
  // Copies what the pipe holds now; false once it has ended.
  bool copy();
  Status write_out(const char* data, std::size_t size);
  Status rotate();

  std::string root_, name_;
  off_t max_;
  Fd file_, read_, write_;
  off_t size_ = 0;
};

}  // namespace ringfence::runtime
