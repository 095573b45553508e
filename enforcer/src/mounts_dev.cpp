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

Status make_node(int root_fd, int dev_fd, const policy::DeviceNode& node, bool in_user_namespace) {
  // Its directory: /dev itself, which mount_dev holds open (`dev_fd`), or
  // one below it, made on the way (/dev/net for /dev/net/tun).
  const auto slash = node.path.rfind('/');
  const std::string dir = node.path.substr(0, slash);
  Fd deeper;
  int parent = dev_fd;
  if (dev_fd < 0 || dir != "/dev") {
    auto made = ensure_in_root(root_fd, dir, false);
    if (!made) return made.status();
    deeper = std::move(*made);
    parent = deeper.get();
  }
  const std::string name = node.path.substr(slash + 1);
  const mode_t type = node.type == 'b' ? S_IFBLK : S_IFCHR;
  if (!in_user_namespace) {
    // Made with its mode in one call: the umask is cleared around it (the
    // child is a single thread, and gets the plan's umask later).
    const mode_t umask_before = umask(0);
    const int made = mknodat(parent, name.c_str(), type | (node.mode & 07777), makedev(node.major, node.minor));
    umask(umask_before);
    if (made == 0) return {};
    if (errno != EEXIST) return Status::from_errno("mknod " + node.path);
    // Already there (a node listed twice): it gets the mode asked for.
    if (fchmodat(parent, name.c_str(), node.mode & 07777, AT_SYMLINK_NOFOLLOW) != 0 &&
        fchmodat(parent, name.c_str(), node.mode & 07777, 0) != 0)
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
  // The file the node is bound onto: made new (O_EXCL never follows a
  // symlink), or, when something is there already, resolved inside the root.
  Fd target(openat(parent, name.c_str(), O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!target.valid()) {
    if (errno != EEXIST) return Status::from_errno(fmt::format("create {} inside the root", node.path));
    auto existing = ensure_in_root(root_fd, node.path, true);
    if (!existing) return existing.status();
    target = std::move(*existing);
  }
  auto tree = clone_mount(host.get(), false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  if (!tree) return tree.status();
  return attach_mount(tree->get(), target.get(), "bind " + node.path);
}

// A directory in the fresh /dev, for a filesystem to be mounted on. Only
// ringfence has written in that tmpfs, and O_NOFOLLOW refuses a symlink.
Result<Fd> dir_in_dev(int dev_fd, const char* name) {
  if (mkdirat(dev_fd, name, 0755) != 0 && errno != EEXIST)
    return Status::from_errno(fmt::format("create /dev/{} inside the root", name));
  Fd dir(openat(dev_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return Status::from_errno(fmt::format("open /dev/{} inside the root", name));
  return dir;
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
  // Held open for everything made in it: one lookup, not one per node.
  auto dev = open_in_root(root_fd, "/dev", O_DIRECTORY | O_RDONLY);
  if (!dev) return dev.status();
  for (const auto& node : params.nodes)
    if (Status st = make_node(root_fd, dev->get(), node, in_user_namespace); !st) return st;

  for (auto [link, name] : {std::pair{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
                            {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}})
    if (Status st = symlink_in_dev(dev->get(), link, name); !st) return st;

  if (params.pts) {
    auto pts = dir_in_dev(dev->get(), "pts");
    if (!pts) return pts.status();
    FsOptions options = {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}};
    if (!in_user_namespace) options.emplace_back("gid", "5");  // tty, when ids are the host's
    auto fs_pts = make_fs_mount("devpts", options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (!fs_pts) return fs_pts.status();
    if (Status st = attach_mount(fs_pts->get(), pts->get(), "devpts on /dev/pts"); !st) return st;
    if (Status st = symlink_in_dev(dev->get(), "pts/ptmx", "ptmx"); !st) return st;
  }
  if (params.shm) {
    auto shm = dir_in_dev(dev->get(), "shm");
    if (!shm) return shm.status();
    auto fs_shm = make_fs_mount("tmpfs", {{"mode", "1777"}, {"size", std::to_string(params.shm_size)}},
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (!fs_shm) return fs_shm.status();
    if (Status st = attach_mount(fs_shm->get(), shm->get(), "tmpfs on /dev/shm"); !st) return st;
  }
  if (params.mqueue) {
    auto mq = dir_in_dev(dev->get(), "mqueue");
    if (!mq) return mq.status();
    auto fs_mq = make_fs_mount("mqueue", {}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (!fs_mq) return fs_mq.status();
    if (Status st = attach_mount(fs_mq->get(), mq->get(), "mqueue on /dev/mqueue"); !st) return st;
  }
  return {};
}

Status create_device_nodes(int root_fd, const policy::DeviceNodesParams& params, bool in_user_namespace) {
  for (const auto& node : params.nodes)
    if (Status st = make_node(root_fd, -1, node, in_user_namespace); !st) return st;
  return {};
}

}  // namespace ringfence::enforcer
