// mount.propagation, mount.rootfs, mount.hide-runtime, mount.pivot-root and
// mount.readonly-root: the mounts that make and seal the new root.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/core.h>

#include "ringfence/enforcer/mounts.h"
#include "mount_api.h"
#include "ringfence/enforcer/paths.h"

namespace ringfence::enforcer {

Status make_mounts_private(const policy::PropagationParams& params) {
  unsigned long flags = MS_REC;
  if (params.mode == "rprivate") flags |= MS_PRIVATE;
  else if (params.mode == "rslave") flags |= MS_SLAVE;
  else return Status::failure(fmt::format("unknown propagation '{}'", params.mode), EINVAL);
  if (mount(nullptr, "/", nullptr, flags, nullptr) != 0) return Status::from_errno("make / " + params.mode);
  return {};
}

Status bind_rootfs(const policy::RootfsParams& params, const std::string& staging) {
  const std::string source = params.host_root ? "/" : params.path;
  if (mount(source.c_str(), staging.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return Status::from_errno(fmt::format("bind {} onto {}", source, staging));
  mount_attr attr{};
  if (params.nosuid) attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (params.nodev) attr.attr_set |= MOUNT_ATTR_NODEV;
  // The host's root is never writable from a sandbox: all of it, every
  // submount included, before /tmp, /dev and /proc are laid on top.
  if (params.host_root) attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (attr.attr_set != 0 && mount_setattr(AT_FDCWD, staging.c_str(), AT_RECURSIVE, &attr, sizeof attr) != 0)
    return Status::from_errno(fmt::format("set nosuid/nodev on {}", staging));
  return {};
}

Status hide_host_paths(int root_fd, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    Status st;
    Fd target = open_in_root(root_fd, path, O_PATH | O_NOFOLLOW, st);
    if (!target.valid()) {
      if (st.err == ENOENT) continue;  // not inside this root
      return st;
    }
    struct stat info {};
    if (fstat(target.get(), &info) != 0) return Status::from_errno("stat " + path);
    Fd cover;
    if (S_ISDIR(info.st_mode)) {
      // An empty read-only tmpfs over a directory.
      cover = make_fs_mount("tmpfs", {{"mode", "000"}},
                            MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, st);
    } else {
      // A read-only bind of the null device over a file: reads are empty,
      // writes fail.
      Fd null(open("/dev/null", O_PATH | O_CLOEXEC));
      if (!null.valid() || !is_char_device(null.get(), 1, 3))
        return Status::failure("/dev/null is not the null device", EINVAL);
      cover = clone_mount(null.get(), false, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, st);
    }
    if (!cover.valid()) return Status::failure("cover " + path + ": " + st.message, st.err);
    if (Status done = attach_mount(cover.get(), target.get(), "cover " + path); !done) return done;
  }
  return {};
}

Status pivot_into(const std::string& staging) {
  // pivot_root(".", ".") stacks the old root on top of the new one, from
  // where it is detached: no directory for the old root is needed inside.
  Fd root(open(staging.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!root.valid()) return Status::from_errno("open " + staging);
  if (fchdir(root.get()) != 0) return Status::from_errno("chdir " + staging);
  if (syscall(SYS_pivot_root, ".", ".") != 0) return Status::from_errno("pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return Status::from_errno("detach the old root");
  if (chdir("/") != 0) return Status::from_errno("chdir /");
  return {};
}

Status make_root_readonly() {
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  // Only the root mount itself: /tmp, /dev, /proc... keep their own flags.
  if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) != 0) return Status::from_errno("remount / read-only");
  return {};
}

}  // namespace ringfence::enforcer
