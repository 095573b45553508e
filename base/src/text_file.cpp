#include "ringfence/base/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ringfence/base/fd.h"

namespace ringfence {

Result<std::string> read_text_file(const std::string& path) {
  // Non-blocking so that a FIFO is refused below instead of waiting for a
  // writer; a regular file ignores the flag.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return Status::failure(std::strerror(errno), errno);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::failure(std::strerror(errno), errno);
  if (S_ISDIR(st.st_mode)) return Status::failure("is a directory, not a file", EISDIR);
  if (!S_ISREG(st.st_mode)) return Status::failure("is not a regular file", EINVAL);
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::failure(std::strerror(errno), errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

Status write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::from_errno("write");
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace ringfence
