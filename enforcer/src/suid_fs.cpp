#include "suid_fs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/base/sha256.h"

// glibc 2.36's headers predate fchmodat2 (Linux 6.6); the number is the same
// on every architecture that has the unified syscall table.
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

namespace ringfence::enforcer::suid_fs {

int open_beneath(int dir_fd, const char* path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  // EAGAIN means a rename or mount raced with the lookup somewhere on the
  // host; it is transient, so retry, but a bounded number of times.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int fd = static_cast<int>(syscall(SYS_openat2, dir_fd, path, &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) return fd;
  }
  return -1;
}

int chmod_fd(int fd, mode_t mode) {
  // fchmod refuses O_PATH descriptors, and opening the file for reading
  // instead could block on a FIFO or trigger a device's open: fchmodat2 with
  // AT_EMPTY_PATH changes exactly the inode the descriptor holds.
  if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return -1;
  // Before Linux 6.6: the descriptor's magic link names the same inode.
  return chmod(fmt::format("/proc/self/fd/{}", fd).c_str(), mode);
}

std::string content_sha256(int fd) {
  // Only ever called on a regular file (the walk and the undo check that
  // first): opening it cannot block or wake a device.
  Fd file(open(fmt::format("/proc/self/fd/{}", fd).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!file.valid()) return {};
  Sha256 h;
  char buf[65536];
  ssize_t n;
  while ((n = read(file.get(), buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      return {};
    }
    h.update(buf, static_cast<std::size_t>(n));
  }
  return hex(h.finish());
}

std::string time_text(std::int64_t sec, std::uint32_t nsec) { return fmt::format("{}.{:09}", sec, nsec); }

struct stat to_stat(const struct statx& stx) {
  struct stat st {};
  st.st_mode = stx.stx_mode;
  st.st_uid = stx.stx_uid;
  st.st_gid = stx.stx_gid;
  st.st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
  st.st_ino = stx.stx_ino;
  return st;
}

std::string octal(mode_t mode) { return fmt::format("{:05o}", mode & 07777); }

}  // namespace ringfence::enforcer::suid_fs
