// mount.dev and devices.nodes: a fresh tmpfs /dev holding only what the
// sandbox may use. Nodes are made with mknod when ringfence may (no user
// namespace); in a user namespace mknod is not allowed, so the host's nodes
// are bound in — each checked, on the very descriptor that gets mounted, to
// be the device it claims to be (CVE-2025-31133).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/core.h>

#include "mount_api.h"
#include "ringfence/enforcer/mounts.h"
#include "ringfence/enforcer/paths.h"

namespace ringfence::enforcer {
namespace {

Status make_node(int root_fd, const policy::DeviceNode& node, bool in_user_namespace) {
  // Parent directories (e.g. /dev/net for /dev/net/tun).
  const auto slash = node.path.rfind('/');
  auto parent = ensure_in_root(root_fd, node.path.substr(0, slash), false);
  if (!parent) return parent.status();
  auto parent_dir = open_in_root(root_fd, node.path.substr(0, slash), O_DIRECTORY | O_RDONLY);
  if (!parent_dir) return parent_dir.status();
  const std::string name = node.path.substr(slash + 1);
  const mode_t type = node.type == 'b' ? S_IFBLK : S_IFCHR;
  if (!in_user_namespace) {
    if (mknodat(parent_dir->get(), name.c_str(), type | 0, makedev(node.major, node.minor)) != 0 && errno != EEXIST)
      return Status::from_errno("mknod " + node.path);
    if (fchmodat(parent_dir->get(), name.c_str(), node.mode & 07777, AT_SYMLINK_NOFOLLOW) != 0 &&
        fchmodat(parent_dir->get(), name.c_str(), node.mode & 07777, 0) != 0)
      return Status::from_errno("chmod " + node.path);
    return {};
  }
  Fd host(open(node.path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!host.valid()) return Status::from_errno("open the host's " + node.path);
  struct stat st {};
  if (fstat(host.get(), &st) != 0 || (st.st_mode & S_IFMT) != type || major(st.st_rdev) != node.major ||
      minor(st.st_rdev) != node.minor)
    return Status::failure(fmt::format("the host's {} is not the device {}:{}", node.path, node.major, node.minor),
                           EINVAL);
  auto target = ensure_in_root(root_fd, node.path, true);
  if (!target) return target.status();
  auto tree = clone_mount(host.get(), false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  if (!tree) return tree.status();
  return attach_mount(tree->get(), target->get(), "bind " + node.path);
}

Status symlink_in_dev(int dev_fd, const char* target, const char* name) {
  if (symlinkat(target, dev_fd, name) != 0 && errno != EEXIST)
    return Status::from_errno(fmt::format("symlink /dev/{}", name));
  return {};
}

}  // namespace

Status mount_dev(int root_fd, const policy::DevParams& params, bool in_user_namespace) {
  auto target = ensure_in_root(root_fd, "/dev", false);
  if (!target) return target.status();
  if (params.host) {
    // Privileged: every device of the host, as docker run --privileged.
    Fd host(open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host.valid()) return Status::from_errno("open the host's /dev");
    auto tree = clone_mount(host.get(), true, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (!tree) return tree.status();
    return attach_mount(tree->get(), target->get(), "the host's /dev on /dev");
  }
  auto fs = make_fs_mount("tmpfs", {{"mode", "755"}, {"size", "65536k"}}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  if (!fs) return fs.status();
  if (Status st = attach_mount(fs->get(), target->get(), "tmpfs on /dev"); !st) return st;
  for (const auto& node : params.nodes)
    if (Status st = make_node(root_fd, node, in_user_namespace); !st) return st;

  auto dev = open_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY);
  if (!dev) return dev.status();
  for (auto [link, name] : {std::pair{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
                            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}})
    if (Status st = symlink_in_dev(dev->get(), link, name); !st) return st;

  if (params.pts) {
    auto pts = ensure_in_root(root_fd, "/dev/pts", false);
    if (!pts) return pts.status();
    FsOptions options = {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}};
    if (!in_user_namespace) options.emplace_back("gid", "5");  // tty, when ids are the host's
    auto fs_pts = make_fs_mount("devpts", options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (!fs_pts) return fs_pts.status();
    if (Status st = attach_mount(fs_pts->get(), pts->get(), "devpts on /dev/pts"); !st) return st;
    if (Status st = symlink_in_dev(dev->get(), "pts/ptmx", "ptmx"); !st) return st;
  }
  if (params.shm) {
    auto shm = ensure_in_root(root_fd, "/dev/shm", false);
    if (!shm) return shm.status();
    auto fs_shm = make_fs_mount("tmpfs", {{"mode", "1777"}, {"size", std::to_string(params.shm_size)}},
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (!fs_shm) return fs_shm.status();
    if (Status st = attach_mount(fs_shm->get(), shm->get(), "tmpfs on /dev/shm"); !st) return st;
  }
  if (params.mqueue) {
    auto mq = ensure_in_root(root_fd, "/dev/mqueue", false);
    if (!mq) return mq.status();
    auto fs_mq = make_fs_mount("mqueue", {}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (!fs_mq) return fs_mq.status();
    if (Status st = attach_mount(fs_mq->get(), mq->get(), "mqueue on /dev/mqueue"); !st) return st;
  }
  return {};
}

Status create_device_nodes(int root_fd, const policy::DeviceNodesParams& params, bool in_user_namespace) {
  for (const auto& node : params.nodes)
    if (Status st = make_node(root_fd, node, in_user_namespace); !st) return st;
  return {};
}

}  // namespace ringfence::enforcer
