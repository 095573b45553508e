#include "mount_api.h"

#include <fcntl.h>

#include <fmt/core.h>

namespace ringfence::enforcer {

Result<Fd> make_fs_mount(const char* type, const FsOptions& options, unsigned attrs) {
  Fd fs(fsopen(type, FSOPEN_CLOEXEC));
  if (!fs.valid()) return Status::from_errno(fmt::format("fsopen {}", type));
  for (const auto& [key, value] : options) {
    const int rc = value.empty() ? fsconfig(fs.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0)
                                 : fsconfig(fs.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0);
    if (rc != 0) return Status::from_errno(fmt::format("{} option {}={}", type, key, value));
  }
  if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return Status::from_errno(fmt::format("create {}", type));
  Fd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
  if (!mnt.valid()) return Status::from_errno(fmt::format("fsmount {}", type));
  return mnt;
}

Result<Fd> clone_mount(int source_fd, bool recursive, unsigned attrs) {
  const unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  Fd tree(open_tree(source_fd, "", flags));
  if (!tree.valid()) return Status::from_errno("open_tree");
  mount_attr attr{};
  attr.attr_set = attrs;
  // A copy of a shared mount (systemd makes / shared) would stay its peer:
  // what is mounted on it inside the sandbox would appear on the host.
  attr.propagation = MS_PRIVATE;
  if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) != 0)
    return Status::from_errno("mount_setattr");
  return tree;
}

Status attach_mount(int mount_fd, int target_fd, const std::string& what) {
  if (move_mount(mount_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return Status::from_errno("mount " + what);
  return {};
}

}  // namespace ringfence::enforcer
