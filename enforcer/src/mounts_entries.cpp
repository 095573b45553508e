// mount.volumes, mount.tmpfs, mount.proc, mount.sys and the paths covered
// or made read-only after pivot_root.
#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/core.h>

#include "mount_api.h"
#include "ringfence/enforcer/mounts.h"
#include "ringfence/enforcer/paths.h"

namespace ringfence::enforcer {
namespace {

unsigned attrs_of(const policy::MountEntry& m) {
  unsigned a = 0;
  if (m.readonly) a |= MOUNT_ATTR_RDONLY;
  if (m.nosuid) a |= MOUNT_ATTR_NOSUID;
  if (m.nodev) a |= MOUNT_ATTR_NODEV;
  if (m.noexec) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

FsOptions split_data(const std::string& data) {
  FsOptions out;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find(',', start);
    if (end == std::string::npos) end = data.size();
    const std::string item = data.substr(start, end - start);
    const auto eq = item.find('=');
    if (!item.empty()) out.emplace_back(item.substr(0, eq), eq == std::string::npos ? "" : item.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

Status bind_volume(int root_fd, const policy::MountEntry& m, Fd tree) {
  struct stat st {};
  if (fstat(tree.get(), &st) != 0) return Status::from_errno("stat " + m.source);
  auto target = ensure_in_root(root_fd, m.target, !S_ISDIR(st.st_mode));
  if (!target) return target.status();
  return attach_mount(tree.get(), target->get(), fmt::format("{} on {}", m.source, m.target));
}

Status mount_tmpfs(int root_fd, const policy::MountEntry& m) {
  auto target = ensure_in_root(root_fd, m.target, false);
  if (!target) return target.status();
  auto fs = make_fs_mount("tmpfs", split_data(m.data), attrs_of(m));
  if (!fs) return fs.status();
  return attach_mount(fs->get(), target->get(), "tmpfs on " + m.target);
}

}  // namespace

Status mount_entries(int root_fd, const policy::MountsParams& params, std::vector<Fd>* binds) {
  std::size_t next = 0;
  for (const auto& m : params.mounts) {
    if (m.type != "bind") {
      if (Status st = mount_tmpfs(root_fd, m); !st) return st;
      continue;
    }
    if (!binds || next >= binds->size()) return Status::failure("the source of " + m.target + " was not opened", EBADF);
    if (Status st = bind_volume(root_fd, m, std::move((*binds)[next++])); !st) return st;
  }
  return {};
}

Status mount_proc(int root_fd, const policy::ProcParams& params) {
  auto target = ensure_in_root(root_fd, "/proc", false);
  if (!target) return target.status();
  unsigned attrs = 0;
  if (params.nosuid) attrs |= MOUNT_ATTR_NOSUID;
  if (params.nodev) attrs |= MOUNT_ATTR_NODEV;
  if (params.noexec) attrs |= MOUNT_ATTR_NOEXEC;
  auto fs = make_fs_mount("proc", {}, attrs);
  if (!fs && fs.status().err == EPERM) {
    // A user namespace that shares the host's PID namespace (--pid host)
    // may not mount a procfs of it: bind the host's, with the same flags,
    // as for sysfs below.
    Fd host(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host.valid()) return Status::from_errno("open /proc");
    fs = clone_mount(host.get(), true, attrs);
  }
  if (!fs) return fs.status();
  return attach_mount(fs->get(), target->get(), "proc on /proc");
}

Status mount_sys(int root_fd, const policy::SysParams& params,
                 const std::vector<std::pair<std::string, std::string>>& cgroup_dirs, bool unified) {
  auto target = ensure_in_root(root_fd, "/sys", false);
  if (!target) return target.status();
  const unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                         (params.readonly ? MOUNT_ATTR_RDONLY : 0u);
  auto fs = make_fs_mount("sysfs", {}, attrs);
  if (!fs && fs.status().err == EPERM) {
    // A user namespace that shares the host's network namespace may not
    // mount sysfs; bind the host's instead (read-only), as runc does.
    Fd host(open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host.valid()) return Status::from_errno("open /sys");
    fs = clone_mount(host.get(), true, attrs);
  }
  if (!fs) return fs.status();
  if (Status st = attach_mount(fs->get(), target->get(), "sysfs on /sys"); !st) return st;
  if (!params.cgroup) return {};
  if (unified) {
    auto cg = open_in_root(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
    if (!cg) return cg.status();
    auto fs2 = make_fs_mount("cgroup2", {}, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (!fs2) return fs2.status();
    return attach_mount(fs2->get(), cg->get(), "cgroup2 on /sys/fs/cgroup");
  }
  if (cgroup_dirs.empty()) return {};
  // /sys/fs/cgroup: a read-only tmpfs holding the sandbox's own cgroup
  // directories, read-only (CVE-2022-0492: no writable release_agent).
  auto cg_target = open_in_root(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
  if (!cg_target) return cg_target.status();
  auto cg_tmpfs = make_fs_mount("tmpfs", {{"mode", "755"}, {"size", "64k"}},
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (!cg_tmpfs) return cg_tmpfs.status();
  // Mounts can only be attached inside our own namespace, so the tmpfs goes
  // in place first, is filled, and is made read-only last.
  if (Status st = attach_mount(cg_tmpfs->get(), cg_target->get(), "tmpfs on /sys/fs/cgroup"); !st) return st;
  auto cg_root = open_in_root(root_fd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY);
  if (!cg_root) return cg_root.status();
  for (const auto& [name, host_path] : cgroup_dirs) {
    if (mkdirat(cg_root->get(), name.c_str(), 0755) != 0) return Status::from_errno("create /sys/fs/cgroup/" + name);
    Fd dir(openat(cg_root->get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    Fd host(open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid() || !host.valid()) return Status::from_errno("open cgroup directory " + host_path);
    auto tree = clone_mount(host.get(), false, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (!tree) return tree.status();
    if (Status st = attach_mount(tree->get(), dir.get(), "/sys/fs/cgroup/" + name); !st) return st;
  }
  mount_attr ro{};
  ro.attr_set = MOUNT_ATTR_RDONLY;
  if (mount_setattr(cg_root->get(), "", AT_EMPTY_PATH, &ro, sizeof ro) != 0)
    return Status::from_errno("make /sys/fs/cgroup read-only");
  return {};
}

Status mask_paths(const policy::PathsParams& params) {
  Fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Status::from_errno("open /");
  auto null = open_in_root(root.get(), "/dev/null", O_PATH | O_NOFOLLOW);
  if (!null) return null.status();
  if (!is_char_device(null->get(), 1, 3)) return Status::failure("/dev/null is not the null device (1:3)", EINVAL);
  for (const auto& path : params.paths) {
    auto target = open_in_root(root.get(), path, O_PATH | O_NOFOLLOW);
    if (!target) {
      if (target.status().err == ENOENT) continue;  // nothing to hide
      return target.status();
    }
    struct stat st {};
    if (fstat(target->get(), &st) != 0) return Status::from_errno("stat " + path);
    auto cover = S_ISDIR(st.st_mode)
                     ? make_fs_mount("tmpfs", {{"size", "0"}, {"mode", "000"}},
                                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
                     : clone_mount(null->get(), false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    if (!cover)
      return Status::failure(fmt::format("mask {}: {}", path, cover.status().message), cover.status().err);
    if (Status s = attach_mount(cover->get(), target->get(), "mask over " + path); !s) return s;
  }
  return {};
}

Status make_paths_readonly(const policy::PathsParams& params) {
  Fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Status::from_errno("open /");
  for (const auto& path : params.paths) {
    auto target = open_in_root(root.get(), path, O_PATH | O_NOFOLLOW);
    if (!target) {
      if (target.status().err == ENOENT) continue;
      return target.status();
    }
    auto tree = clone_mount(target->get(), true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (!tree)
      return Status::failure(fmt::format("read-only {}: {}", path, tree.status().message), tree.status().err);
    if (Status s = attach_mount(tree->get(), target->get(), "read-only " + path); !s) return s;
  }
  return {};
}

}  // namespace ringfence::enforcer
