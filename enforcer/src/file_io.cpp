#include "file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

#include "ringfence/base/fd.h"

namespace ringfence::enforcer {

Status read_file(const std::string& path, std::string& out) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("open " + path);
  out.clear();
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return {};
}

Status write_file(const std::string& path, const std::string& value) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("open " + path);
  const ssize_t n = write(fd.get(), value.data(), value.size());
  if (n < 0) return Status::from_errno(fmt::format("write '{}' to {}", value, path));
  if (static_cast<std::size_t>(n) != value.size())
    return Status::failure(fmt::format("short write of '{}' to {}", value, path), EIO);
  return {};
}

}  // namespace ringfence::enforcer
