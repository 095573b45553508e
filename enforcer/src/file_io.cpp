#include "file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/base/text_file.h"

namespace ringfence::enforcer {

Status read_file(const std::string& path, std::string& out) {
  auto text = read_text_file(path);
  if (!text) return Status::failure("read " + path + ": " + text.status().message, text.status().err);
  out = std::move(*text);
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
