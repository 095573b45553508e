#include "output_log.h"
#include "ringfence/base/fault.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/core.h>

#include "ringfence/runtime/state.h"

namespace ringfence::runtime {

Result<OutputLog> OutputLog::open(const std::string& state_root, const std::string& name, off_t max_bytes) {
  OutputLog log(state_root, name, max_bytes);
  // Never through a symlink, and only a regular file (open_sandbox_log).
  auto file = open_sandbox_log(state_root, name);
  if (!file) return file.status();
  log.file_ = std::move(*file);
  struct stat st {};
  if (fstat(log.file_.get(), &st) == 0) log.size_ = st.st_size;
  int fds[2];
  if (fault::call("pipe2", [&] { return pipe2(fds, O_CLOEXEC); }) != 0)
    return Status::from_errno("make the pipe for the sandbox's output");
  log.read_.reset(fds[0]);
  log.write_.reset(fds[1]);
  // The loop must never block on a read: the program may end with writers
  // (its orphans, outside a PID namespace) still holding the pipe.
  if (fcntl(log.read_.get(), F_SETFL, O_NONBLOCK) != 0) return Status::from_errno("make the output pipe non-blocking");
  return log;
}

Result<OutputLog> OutputLog::adopt(const std::string& state_root, const std::string& name, Fd file, Fd read,
                                   off_t max_bytes) {
  OutputLog log(state_root, name, max_bytes);
  struct stat st {};
  if (fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status::failure("the sandbox's log handed over is not a file", EBADF);
  log.size_ = st.st_size;
  if (fstat(read.get(), &st) != 0 || !S_ISFIFO(st.st_mode))
    return Status::failure("the sandbox's output pipe handed over is not a pipe", EBADF);
  log.file_ = std::move(file);
  log.read_ = std::move(read);
  return log;
}

Status OutputLog::give_stdio() {
  if (dup2(write_.get(), STDOUT_FILENO) < 0 || dup2(write_.get(), STDERR_FILENO) < 0)
    return Status::from_errno("give the program the output pipe");
  write_.reset();  // 1 and 2 are the only writers this process keeps
  return {};
}

Status OutputLog::take_back_stdio() {
  if (dup2(file_.get(), STDOUT_FILENO) < 0 || dup2(file_.get(), STDERR_FILENO) < 0)
    return Status::from_errno("write to the sandbox's log");
  return {};
}

std::size_t OutputLog::poll_fds(pollfd* fds) const {
  if (!read_.valid()) return 0;
  fds[0] = {read_.get(), POLLIN, 0};
  return 1;
}

void OutputLog::ready(const pollfd* fds, std::size_t count) {
  if (count == 0 || !read_.valid() || fds[0].revents == 0) return;
  if (!copy()) read_.reset();
}

void OutputLog::finish() {
  if (read_.valid() && !copy()) read_.reset();
}

bool OutputLog::copy() {
  char buf[65536];
  for (;;) {
    const ssize_t n = read(read_.get(), buf, sizeof buf);
    if (n > 0) {
      // A log that cannot be written loses output, not the sandbox: the
      // pipe is still drained, so the program never blocks on it.
      (void)write_out(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;  // 0: every writer has closed it
  }
}

Status OutputLog::write_out(const char* data, std::size_t size) {
  if (size_ > 0 && size_ + static_cast<off_t>(size) > max_)
    if (Status st = rotate(); !st) return st;
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = write(file_.get(), data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::from_errno("write the sandbox's log");
    done += static_cast<std::size_t>(n);
  }
  size_ += static_cast<off_t>(size);
  return {};
}

// NAME.log is never missing, so that a `ringfence logs` opening it in the
// middle of a rotation finds one: the new file is made under another name;
// the current one gets its second name, NAME.log.1, by a hard link (put in
// place with a rename, so that NAME.log.1 is never missing either); then
// the new one replaces it as NAME.log in one rename.
Status OutputLog::rotate() {
  const std::string path = state_dir(root_, name_) + ".log";
  auto fresh = open_sandbox_log(root_, name_, ".log.new", true);
  if (!fresh) return fresh.status();
  unlink((path + ".1.new").c_str());
  if (link(path.c_str(), (path + ".1.new").c_str()) != 0 || rename((path + ".1.new").c_str(), (path + ".1").c_str()) != 0 ||
      rename((path + ".new").c_str(), path.c_str()) != 0)
    return Status::from_errno("rotate " + path);
  file_ = std::move(*fresh);
  size_ = 0;
  // The supervisor's own messages follow to the new file.
  return take_back_stdio();
}

}  // namespace ringfence::runtime
