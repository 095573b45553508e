#include "ringfence/enforcer/paths.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <vector>

#include <fmt/core.h>

namespace ringfence::enforcer {
namespace {

int openat2_in_root(int root_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  // A path with ".." in it fails with EAGAIN when any mount or rename
  // happened anywhere on the system during the walk (the kernel cannot then
  // prove the walk stayed inside the root). That is a transient race, not a
  // refusal: other sandboxes starting at the same moment cause it. Retry a
  // bounded number of times so a busy host cannot spin us forever.
  constexpr int kAttempts = 64;
  int fd = -1;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    fd = static_cast<int>(syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string fd_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

Result<Fd> open_in_root(int root_fd, std::string_view path, int flags) {
  const std::string p(path);
  Fd fd(openat2_in_root(root_fd, p, flags));
  if (!fd.valid()) return Status::from_errno(fmt::format("open {} inside the root", p));
  return fd;
}

Result<Fd> ensure_in_root(int root_fd, std::string_view path, bool file) {
  const auto parts = components(path);
  std::string prefix;
  Fd current(openat2_in_root(root_fd, "/", O_PATH | O_DIRECTORY));
  if (!current.valid()) return Status::from_errno("open the root");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    prefix += "/" + parts[i];
    Fd next(openat2_in_root(root_fd, prefix, O_PATH));
    if (!next.valid() && errno == ENOENT) {
      // Create it in the directory the prefix resolved to; mkdirat and
      // O_EXCL never follow a symlink in the last component.
      int rc;
      if (last && file) {
        rc = openat(current.get(), parts[i].c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0) close(rc);
      } else {
        rc = mkdirat(current.get(), parts[i].c_str(), 0755);
      }
      if (rc < 0 && errno != EEXIST) return Status::from_errno(fmt::format("create {} inside the root", prefix));
      next.reset(openat2_in_root(root_fd, prefix, O_PATH));
    }
    if (!next.valid()) return Status::from_errno(fmt::format("open {} inside the root", prefix));
    current = std::move(next);
  }
  return current;
}

bool is_char_device(int fd, unsigned major_number, unsigned minor_number) {
  struct stat st {};
  return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_number &&
         minor(st.st_rdev) == minor_number;
}

}  // namespace ringfence::enforcer
