#include "ringfence/enforcer/mount_sources.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include <fmt/core.h>

#include "mount_api.h"
#include "ringfence/base/paths.h"
#include "ringfence/enforcer/lsm.h"

namespace ringfence::enforcer {
namespace {

unsigned bind_attrs(const policy::MountEntry& m) {
  unsigned a = 0;
  if (m.readonly) a |= MOUNT_ATTR_RDONLY;
  if (m.nosuid) a |= MOUNT_ATTR_NOSUID;
  if (m.nodev) a |= MOUNT_ATTR_NODEV;
  if (m.noexec) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

// A detached copy of the tree at `path`, with `attrs`; with `exact`, no
// symlink on the way is followed (the path is the one the site policy
// floor judged, and a link swapped in since must not move the mount).
Result<Fd> open_tree_at(const std::string& path, bool recursive, unsigned attrs, const char* what,
                        bool exact = false) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  if (exact) how.resolve = RESOLVE_NO_SYMLINKS;
  Fd source(static_cast<int>(syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how)));
  if (!source.valid() && exact && errno == ELOOP)
    return Status::failure(fmt::format("open {} {}: a symlink is in the path the site policy judged; not followed",
                                       what, path),
                           ELOOP);
  if (!source.valid()) return Status::from_errno(fmt::format("open {} {}", what, path));
  auto tree = clone_mount(source.get(), recursive, attrs);
  if (!tree) {
    const Status& st = tree.status();
    return Status::failure(fmt::format("copy the mount of {} {}: {}", what, path, st.message), st.err);
  }
  return tree;
}

// Gives the directory `fd` the owner, mode and times of the host's `like`.
// Where the host's owner has no id here (a rootless sandbox's user
// namespace maps only the caller), the directory keeps its own: it is
// read-only in the view either way, and only what `ls -l` shows differs.
Status take_attributes(int fd, const struct stat& like) {
  if (fchown(fd, like.st_uid, like.st_gid) != 0 && errno != EINVAL)
    return Status::from_errno("give a directory of the whiteout layer the host's owner");
  if (fchmod(fd, like.st_mode & 07777) != 0)
    return Status::from_errno("give a directory of the whiteout layer the host's mode");
  const timespec times[2] = {like.st_atim, like.st_mtim};
  if (futimens(fd, times) != 0) return Status::from_errno("give a directory of the whiteout layer the host's times");
  return {};
}

// As docker run -v: a source that does not exist becomes an empty
// directory (0755, each missing parent too). Symlinks on the way are
// followed, as the caller's shell would; the caller named the path.
Status create_missing_source(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 || errno != ENOENT) return {};
  if (Status made = make_directories(path, 0755); !made)
    return Status::failure("make the missing volume source: " + made.message, made.err);
  return {};
}

// overlayfs splits its options at ',' and ':' (escapes aside): a layer's
// path with them, or with a backslash, is refused rather than quoted.
Status overlay_can_take(const char* what, const std::string& path) {
  if (path.find_first_of(",:\\") == std::string::npos) return {};
  return Status::failure(fmt::format("{} has ',', ':' or '\\' in it, which overlayfs cannot take: {}", what, path),
                         EINVAL);
}

// A directory of the whiteout layer, and the host's directory it stands for.
struct LayerDir {
  Fd fd;
  struct stat host {};
};

// Makes `rel` (a path below the host directory `dir`) a whiteout, a 0/0
// character device, in the layer whose root is `made[0]`, each directory on
// the way too (added to `made`). Nothing is made when a directory on the way
// is not the host's (then nothing can be there to hide) or is hidden itself.
Status add_whiteout(std::vector<LayerDir>& made, const std::string& dir, std::string_view rel) {
  int at = made[0].fd.get();
  std::string host = dir;
  for (std::size_t start = 0; start < rel.size();) {
    const std::size_t slash = rel.find('/', start);
    const std::string name(rel.substr(start, slash == std::string_view::npos ? rel.size() - start : slash - start));
    start = slash == std::string_view::npos ? rel.size() : slash + 1;
    if (name.empty()) continue;
    if (start == rel.size()) {
      if (mknodat(at, name.c_str(), S_IFCHR, makedev(0, 0)) != 0 && errno != EEXIST)
        return Status::from_errno(fmt::format("make the whiteout that hides {}/{}", dir, rel));
      return {};
    }
    host += "/" + name;
    LayerDir next;
    if (lstat(host.c_str(), &next.host) != 0 || !S_ISDIR(next.host.st_mode)) return {};
    if (mkdirat(at, name.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::from_errno("make the directory " + host + " in the whiteout layer");
    next.fd.reset(openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.fd.valid() && errno == ENOTDIR) return {};  // a whiteout already: hidden with all below it
    if (!next.fd.valid()) return Status::from_errno("open the directory " + host + " in the whiteout layer");
    at = next.fd.get();
    made.push_back(std::move(next));
  }
  return {};
}

// The host directory `dir` with `hidden` (paths below it) taken out: a
// read-only overlay over it whose upper-most layer is a small tmpfs holding
// a whiteout for each. A mount over each hidden path would not last: when
// the host replaces a file by rename, as passwd and useradd replace
// /etc/shadow, the kernel detaches every mount on the replaced file in every
// mount namespace, and the sandbox would see the new file. A whiteout hides
// the name, whatever the host puts there later.
//
// The cost: overlayfs caches what it looked up, so a file the host replaces
// after the sandbox read it may keep its old content inside; and mounts
// below `dir` on the host are not in the view.
Result<Fd> open_tree_hiding(const std::string& dir, const std::vector<std::string_view>& hidden, unsigned attrs) {
  if (Status st = overlay_can_take("the host directory", dir); !st) return st;
  auto layer = make_fs_mount("tmpfs", {{"mode", "700"}}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (!layer) return Status::failure("the whiteout layer for " + dir + ": " + layer.status().message, layer.status().err);
  std::vector<LayerDir> made(1);
  made[0].fd.reset(openat(layer->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!made[0].fd.valid()) return Status::from_errno("open the whiteout layer");
  if (stat(dir.c_str(), &made[0].host) != 0) return Status::from_errno("stat host directory " + dir);
  for (std::string_view rel : hidden)
    if (Status st = add_whiteout(made, dir, rel); !st) return st;
  // A merged directory shows the owner, mode and times of the upper-most
  // layer that has it: this one's, once everything is made in it.
  for (const auto& d : made)
    if (Status st = take_attributes(d.fd.get(), d.host); !st) return st;
  auto overlay = make_fs_mount("overlay", {{"lowerdir", fmt::format("/proc/self/fd/{}:{}", layer->get(), dir)}}, attrs);
  if (!overlay)
    return Status::failure(fmt::format("the view of the host's {} without its hidden paths: {}", dir,
                                       overlay.status().message),
                           overlay.status().err);
  return overlay;
}

Status open_host_view(const policy::RootfsParams& root, const std::vector<std::string>& hidden,
                      std::vector<HostTree>& out) {
  unsigned attrs = MOUNT_ATTR_RDONLY;
  if (root.nosuid) attrs |= MOUNT_ATTR_NOSUID;
  if (root.nodev) attrs |= MOUNT_ATTR_NODEV;
  for (const auto& path : root.host_paths) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // /lib32 on a host without it
      return Status::from_errno("stat host path " + path);
    }
    HostTree t;
    t.path = path;
    if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
      if (n < 0) return Status::from_errno("read the symlink " + path);
      t.link.assign(buf, static_cast<std::size_t>(n));
    } else if (S_ISDIR(st.st_mode)) {
      // A hidden path that is `path` itself or holds it is mount.hide-runtime's to cover.
      std::vector<std::string_view> below;
      const std::size_t skip = path == "/" ? 1 : path.size() + 1;  // `path` and the '/' after it
      for (const auto& h : hidden)
        if (h.size() > path.size() && path_within(h, path)) below.push_back(std::string_view(h).substr(skip));
      auto tree = below.empty() ? open_tree_at(path, true, attrs, "host directory")
                                : open_tree_hiding(path, below, attrs);
      if (!tree) return tree.status();
      t.tree = std::move(*tree);
    } else {
      continue;  // not a directory: nothing the sandbox needs
    }
    out.push_back(std::move(t));
  }
  return {};
}

// Where the overlay's upper and work directories live: a fresh tmpfs, or
// with `--keep-changes DIR` the directory DIR, opened without following a
// symlink in its last component (its parents are the caller's to choose:
// the caller is root and names it on the command line).
Result<Fd> overlay_scratch(const policy::RootfsParams& root) {
  if (root.image_upper.empty()) return make_fs_mount("tmpfs", {{"mode", "700"}}, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (mkdir(root.image_upper.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::from_errno("make the --keep-changes directory " + root.image_upper);
  Fd dir(open(root.image_upper.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return Status::from_errno("open the --keep-changes directory " + root.image_upper);
  return dir;
}

// An image's store tree as the lower layer of an overlay whose upper is a
// fresh tmpfs: the sandbox writes where it likes, the store's files are never
// touched, and the writes go with the last reference to the mount. tmpfs
// pages are charged to the memory cgroup of the process that writes them,
// so the sandbox's memory limit bounds its writes too. With --keep-changes
// the upper is a host directory instead, and the writes stay there (see
// below for what keeps two sandboxes off one).
Result<Fd> image_overlay(const policy::RootfsParams& root, unsigned attrs) {
  if (Status st = overlay_can_take("the image store's path", root.path); !st) return st;
  Fd lower(open(root.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!lower.valid()) return Status::from_errno("open the image's tree " + root.path);
  struct stat st {};
  if (fstat(lower.get(), &st) != 0) return Status::from_errno("stat " + root.path);
  auto scratch = overlay_scratch(root);
  if (!scratch) return scratch.status();
  // The overlay's root takes the upper directory's owner and mode: the
  // image's. A kept upper has them from its first run.
  bool fresh_upper = false;
  for (const char* dir : {"upper", "work"}) {
    if (mkdirat(scratch->get(), dir, 0755) == 0) {
      fresh_upper = fresh_upper || std::string_view(dir) == "upper";
    } else if (errno != EEXIST || root.image_upper.empty()) {
      return Status::from_errno(std::string("make the overlay's ") + dir);
    }
  }
  if (fresh_upper && (fchownat(scratch->get(), "upper", st.st_uid, st.st_gid, 0) != 0 ||
                      fchmodat(scratch->get(), "upper", st.st_mode & 07777, 0) != 0))
    return Status::from_errno("give the overlay's upper directory the image root's owner and mode");
  // Each by descriptor, not following a symlink: a kept DIR is the host's,
  // and DIR/upper must not lead the sandbox's writes anywhere else.
  Fd upper(openat(scratch->get(), "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  Fd work(openat(scratch->get(), "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!upper.valid() || !work.valid()) return Status::from_errno("open the overlay's upper and work directories");
  FsOptions options = {{"lowerdir", root.path},
                       {"upperdir", fmt::format("/proc/self/fd/{}", upper.get())},
                       {"workdir", fmt::format("/proc/self/fd/{}", work.get())}};
  // A kept upper outlives the mount: with the inodes index on, overlayfs
  // refuses (EBUSY) a second mount on it while one is in use, and (ESTALE)
  // an upper made over another image's tree. Without it, two sandboxes on
  // one DIR would both write it, which overlayfs leaves undefined.
  if (!root.image_upper.empty()) options.push_back({"index", "on"});
  auto overlay = make_fs_mount("overlay", options, attrs);
  if (!overlay && !root.image_upper.empty() && overlay.status().err == EBUSY)
    return Status::failure("--keep-changes " + root.image_upper + " is in use by another sandbox's overlay", EBUSY);
  if (!overlay && !root.image_upper.empty() && overlay.status().err == ESTALE)
    return Status::failure("--keep-changes " + root.image_upper +
                               " holds the changes made over another image's tree: overlayfs refuses it over this one",
                           ESTALE);
  if (!overlay) return Status::failure("the image's overlay: " + overlay.status().message, overlay.status().err);
  return overlay;
}

}  // namespace

Status open_mount_sources(const policy::RootfsParams& root, const policy::MountsParams* volumes,
                          const std::vector<std::string>& hidden, MountSources& out) {
  out = MountSources{};
  if (root.host_root) {
    if (Status st = open_host_view(root, hidden, out.host); !st) return st;
  } else {
    unsigned attrs = 0;
    if (root.nosuid) attrs |= MOUNT_ATTR_NOSUID;
    if (root.nodev) attrs |= MOUNT_ATTR_NODEV;
    auto tree = root.image.empty() ? open_tree_at(root.path, true, attrs, "rootfs") : image_overlay(root, attrs);
    if (!tree) return tree.status();
    out.rootfs = std::move(*tree);
  }
  if (volumes)
    for (const auto& m : volumes->mounts) {
      if (m.type != "bind") continue;
      if (m.create_source)
        if (Status st = create_missing_source(m.source); !st) return st;
      if (!m.relabel.empty()) {
        const auto enabled = selinux_enabled();
        if (!enabled) return enabled.status();
        if (*enabled)
          if (Status st = selinux_relabel_tree(m.source, m.relabel); !st) return st;
      }
      auto tree = open_tree_at(m.source, m.recursive, bind_attrs(m), "volume source", m.exact);
      if (!tree) return tree.status();
      out.volumes.push_back(std::move(*tree));
    }
  out.opened = true;
  return {};
}

}  // namespace ringfence::enforcer
