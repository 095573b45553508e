#include "entry_data.h"

#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace ringfence::image::detail {

Result<Owner> entry_owner(archive_entry* e) {
  const la_int64_t uid = la::archive_entry_uid(e);
  const la_int64_t gid = la::archive_entry_gid(e);
  // (uid_t)-1 would mean "leave the owner as it is" to chown.
  constexpr la_int64_t kMaxId = 0xfffffffe;
  if (uid < 0 || uid > kMaxId || gid < 0 || gid > kMaxId) {
    return Status::failure(fmt::format("owner {}:{} out of range", uid, gid), EBADMSG);
  }
  return Owner{static_cast<uid_t>(uid), static_cast<gid_t>(gid)};
}

Times entry_times(archive_entry* e) {
  Times t{};
  t.ts[1] = la::archive_entry_mtime_is_set(e) ? timespec{la::archive_entry_mtime(e), la::archive_entry_mtime_nsec(e)}
                                          : timespec{0, UTIME_OMIT};
  t.ts[0] = la::archive_entry_atime_is_set(e) ? timespec{la::archive_entry_atime(e), la::archive_entry_atime_nsec(e)}
                                              : t.ts[1];
  return t;
}

bool entry_has_xattr(archive_entry* e, std::string_view wanted) {
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  la::archive_entry_xattr_reset(e);
  while (la::archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (name != nullptr && wanted == name) return true;
  }
  return false;
}

Status set_entry_xattrs(int fd, archive_entry* e, bool capability) {
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  la::archive_entry_xattr_reset(e);
  while (la::archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    if (name == nullptr) continue;
    const std::string_view n(name);
    const bool is_capability = n == kCapabilityXattr;
    // Others (security.selinux, trusted.*, ACLs) belong to the host that
    // made the layer, not to the image.
    if (is_capability ? !capability : n.compare(0, 5, "user.") != 0) continue;
    if (fsetxattr(fd, name, value, size, 0) < 0) {
      if (!is_capability && errno == ENOTSUP) continue;  // a file system without user xattrs
      return Status::from_errno(fmt::format("set the xattr {}", n));
    }
  }
  return Status::success();
}

Status write_entry_data(LayerStream& stream, int fd, std::int64_t size) {
  archive* tar = stream.tar();
  for (;;) {
    const void* block = nullptr;
    std::size_t length = 0;
    la_int64_t offset = 0;
    const int r = la::archive_read_data_block(tar, &block, &length, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return stream.error(tar);
    if (offset < 0 || static_cast<std::uint64_t>(offset) + length > static_cast<std::uint64_t>(size)) {
      return Status::failure("data past the entry's size", EBADMSG);
    }
    const char* p = static_cast<const char*>(block);
    while (length > 0) {
      const ssize_t n = pwrite(fd, p, length, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::from_errno("write");
      }
      p += n;
      length -= static_cast<std::size_t>(n);
      offset += n;
    }
  }
  if (ftruncate(fd, size) < 0) return Status::from_errno("set the size");
  return Status::success();
}

}  // namespace ringfence::image::detail
