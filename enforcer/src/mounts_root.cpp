// mount.propagation, mount.rootfs, mount.hide-runtime, mount.pivot-root and
// mount.readonly-root: the mounts that make and seal the new root.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include <fmt/core.h>

#include "ringfence/enforcer/mounts.h"
#include "mount_api.h"
#include "ringfence/base/fault.h"
#include "ringfence/base/paths.h"
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

Result<Fd> attach_root(const policy::RootfsParams& params, MountSources& sources, int staging_fd) {
  if (!params.host_root) {
    if (!sources.rootfs.valid()) return Status::failure("the rootfs was not opened", EBADF);
    if (Status st = attach_mount(sources.rootfs.get(), staging_fd, "the rootfs " + params.path); !st) return st;
    // The tree's descriptor now stands for the attached mount's root.
    return std::move(sources.rootfs);
  }
  // The host's root: an empty tmpfs (made read-only by mount.readonly-root)
  // with only the allowed directories in it.
  auto root = make_fs_mount("tmpfs", {{"mode", "755"}, {"size", "1m"}}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (!root) return root.status();
  if (Status st = attach_mount(root->get(), staging_fd, "the root tmpfs"); !st) return st;
  for (auto& h : sources.host) {
    if (!h.link.empty()) {
      auto parent = ensure_in_root(root->get(), h.path.substr(0, h.path.rfind('/')), false);
      if (!parent) return parent.status();
      const std::string name = h.path.substr(h.path.rfind('/') + 1);
      if (symlinkat(h.link.c_str(), parent->get(), name.c_str()) != 0)
        return Status::from_errno(fmt::format("make the symlink {} -> {}", h.path, h.link));
      continue;
    }
    auto at = ensure_in_root(root->get(), h.path, false);
    if (!at) return at.status();
    if (Status st = attach_mount(h.tree.get(), at->get(), "the host's " + h.path); !st) return st;
    h.tree.reset();
  }
  return root;
}

namespace {

// An empty read-only tmpfs over a directory; a read-only bind of the null
// device over a file: reads are empty, writes fail. Nothing when `path` is
// not inside this root.
Status cover_once(int root_fd, const std::string& path) {
  auto target = open_in_root(root_fd, path, O_PATH | O_NOFOLLOW);
  if (!target) {
    if (target.status().err == ENOENT) return {};  // not inside this root
    return target.status();
  }
  struct stat info {};
  if (fstat(target->get(), &info) != 0) return Status::from_errno("stat " + path);
  const bool dir = S_ISDIR(info.st_mode);
  Fd null;
  if (!dir) {
    null.reset(open("/dev/null", O_PATH | O_CLOEXEC));
    if (!null.valid() || !is_char_device(null.get(), 1, 3))
      return Status::failure("/dev/null is not the null device", EINVAL);
  }
  auto cover = dir ? make_fs_mount("tmpfs", {{"mode", "000"}},
                                   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
                   : clone_mount(null.get(), false, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  if (!cover) return Status::failure("cover " + path + ": " + cover.status().message, cover.status().err);
  // The fault RINGFENCE_FAIL_SYSCALL=cover.move_mount:ENOENT stands for a
  // host that replaced the file since it was opened (base/fault.h).
  if (const int err = fault::injected_errno("cover.move_mount"); err != 0)
    return Status::failure("mount cover " + path + ": " + std::strerror(err), err);
  return attach_mount(cover->get(), target->get(), "cover " + path);
}

// The kernel refuses (ENOENT) a mount onto a file that was unlinked since it
// was opened: the host replaced it by rename, as useradd and passwd replace
// their files. The path then names the new file, which is covered instead;
// only a host that replaces it again and again makes the start fail.
Status cover_in_root(int root_fd, const std::string& path) {
  constexpr int kAttempts = 8;
  Status st;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    st = cover_once(root_fd, path);
    if (st.ok() || st.err != ENOENT) return st;
  }
  return Status::failure(fmt::format("{} (replaced on the host {} times while it was being covered)", st.message,
                                     kAttempts),
                         ENOENT);
}

}  // namespace

Status hide_host_paths(int root_fd, const std::vector<std::string>& paths) {
  for (const auto& path : paths)
    if (Status st = cover_in_root(root_fd, path); !st) return st;
  return {};
}

Status cover_own_paths(int root_fd, const std::string& source, const std::string& target,
                       const std::vector<OwnPath>& own) {
  for (const auto& [path, owns_below] : own) {
    if (path.empty()) continue;
    if (source == path || (owns_below && path_within(source, path) && source != "/"))
      return Status::failure(fmt::format("{} {} {}, which ringfence keeps from every sandbox (its binary, its "
                                         "state or the audit log's directory); bind something else",
                                         source, source == path ? "is" : "is inside", path),
                             EPERM);
    if (!path_within(path, source)) continue;
    const std::string rest = source == "/" ? path : path.substr(source.size());
    const std::string inside = target == "/" ? (rest.empty() ? "/" : rest) : target + rest;
    if (Status st = cover_in_root(root_fd, inside); !st) return st;
  }
  return {};
}

Status pivot_into(int root_fd) {
  // pivot_root(".", ".") stacks the old root on top of the new one, from
  // where it is detached: no directory for the old root is needed inside.
  if (fchdir(root_fd) != 0) return Status::from_errno("chdir into the new root");
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
