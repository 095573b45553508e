// The child's filesystem steps: build the new root in the staging
// directory, pivot into it, then cover and seal.
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include "handlers.h"
#include "ringfence/base/paths.h"
#include "ringfence/enforcer/mounts.h"
#include "ringfence/enforcer/paths.h"

namespace ringfence::runtime::handlers {
namespace {


int root_fd(RunContext& ctx) { return ctx.staging_fd.get(); }


// A copy of `source` without its setuid/setgid bits, in `dir` (a tmpfs).
Status stripped_copy(int dir, int source, const std::string& name, mode_t mode) {
  Fd copy(openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777));
  if (!copy.valid()) return Status::from_errno("create a stripped copy of " + name);
  struct stat st {};
  if (fstat(source, &st) != 0) return Status::from_errno("stat " + name);
  off_t offset = 0;
  while (offset < st.st_size) {
    const ssize_t n = sendfile(copy.get(), source, &offset, static_cast<std::size_t>(st.st_size - offset));
    if (n <= 0) return Status::from_errno("copy " + name);
  }
  if (fchmod(copy.get(), mode & 0777) != 0) return Status::from_errno("chmod the copy of " + name);
  return {};
}

}  // namespace

Status mount_propagation(const policy::PropagationParams& params, RunContext&) {
  return enforcer::make_mounts_private(params);
}

Status mount_rootfs(const policy::RootfsParams& params, RunContext& ctx) {
  if (!ctx.sources.opened) {
    // Rootless: no mount.sources step ran; the child is the caller inside
    // its user namespace and opens what the caller can reach.
    if (Status st = enforcer::open_mount_sources(params, ctx.plan.params<policy::StepKind::MountVolumes>(),
                                                 ctx.hide_paths, ctx.sources);
        !st)
      return st;
  }
  if (!ctx.staging_dir.valid()) return Status::failure("the staging directory is not open", EBADF);
  auto root = enforcer::attach_root(params, ctx.sources, ctx.staging_dir.get());
  ctx.staging_dir.reset();
  if (!root) return root.status();
  ctx.staging_fd = std::move(*root);
  if (params.host_root) return {};  // an allow-list: mount.hide-runtime covers what it lets through
  return enforcer::cover_own_paths(root_fd(ctx), canonical_or_same(params.path), "/", ctx.own_paths);
}

Status suid_strip(RunContext& ctx) {
  if (ctx.suid_files.empty()) return {};
  // The originals stay untouched: each setuid file is covered by a copy
  // without the bits, held in a private tmpfs.
  Fd tmpfs(fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!tmpfs.valid()) return Status::from_errno("fsopen tmpfs");
  if (fsconfig(tmpfs.get(), FSCONFIG_SET_STRING, "mode", "0755", 0) != 0 ||
      fsconfig(tmpfs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return Status::from_errno("create the tmpfs for stripped copies");
  Fd copies(fsmount(tmpfs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  if (!copies.valid()) return Status::from_errno("fsmount");
  int n = 0;
  for (const auto& path : ctx.suid_files) {
    auto original = enforcer::open_in_root(root_fd(ctx), path, O_RDONLY | O_NOFOLLOW);
    if (!original) {
      // A file this process — the sandbox's root, with no more right to
      // the host's files than its mapped id — cannot reach (a 0700 host
      // directory on the way) no program of the sandbox can reach either:
      // there is nothing to strip.
      if (original.status().err == EACCES) continue;
      return original.status();
    }
    struct stat st {};
    if (fstat(original->get(), &st) != 0) return Status::from_errno("stat " + path);
    if (!S_ISREG(st.st_mode)) continue;  // replaced since the scan: nothing to strip
    const std::string name = std::to_string(n++);
    if (Status s = stripped_copy(copies.get(), original->get(), name, st.st_mode); !s) return s;
    Fd copy(openat(copies.get(), name.c_str(), O_PATH | O_CLOEXEC));
    Fd tree(open_tree(copy.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree.valid()) return Status::from_errno("clone the stripped copy of " + path);
    auto target = enforcer::open_in_root(root_fd(ctx), path, O_PATH | O_NOFOLLOW);
    if (!target) return target.status();
    if (move_mount(tree.get(), "", target->get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
      return Status::from_errno("cover " + path + " with its stripped copy");
  }
  return {};
}

Status mount_volumes(const policy::MountsParams& params, RunContext& ctx) {
  if (Status st = enforcer::mount_entries(root_fd(ctx), params, &ctx.sources.volumes); !st) return st;
  // After every bind, so that no later volume lands on top of a cover.
  for (const auto& m : params.mounts)
    if (m.type == "bind")
      if (Status st = enforcer::cover_own_paths(root_fd(ctx), canonical_or_same(m.source), m.target, ctx.own_paths); !st)
        return st;
  return {};
}

Status mount_tmpfs(const policy::MountsParams& params, RunContext& ctx) {
  return enforcer::mount_entries(root_fd(ctx), params);
}

Status mount_proc(const policy::ProcParams& params, RunContext& ctx) {
  return enforcer::mount_proc(root_fd(ctx), params);
}

Status mount_dev(const policy::DevParams& params, RunContext& ctx) {
  return enforcer::mount_dev(root_fd(ctx), params, ctx.in_user_namespace);
}

Status devices_nodes(const policy::DeviceNodesParams& params, RunContext& ctx) {
  return enforcer::create_device_nodes(root_fd(ctx), params, ctx.in_user_namespace);
}

Status mount_sys(const policy::SysParams& params, RunContext& ctx) {
  std::vector<std::pair<std::string, std::string>> dirs;
  if (ctx.cgroup)
    for (const auto& [controllers, dir] : ctx.cgroup->dirs)
      dirs.emplace_back(controllers.empty() ? "unified" : controllers, dir);
  const bool unified = ctx.cgroup && ctx.cgroup->version == 2;
  return enforcer::mount_sys(root_fd(ctx), params, dirs, unified);
}

Status mount_hide_runtime(RunContext& ctx) {
  return enforcer::hide_host_paths(root_fd(ctx), ctx.hide_paths);
}

Status mount_pivot_root(RunContext& ctx) {
  Status st = enforcer::pivot_into(ctx.staging_fd.get());
  ctx.staging_fd.reset();
  return st;
}

Status mount_masked_paths(const policy::PathsParams& params, RunContext&) {
  return enforcer::mask_paths(params);
}

Status mount_readonly_paths(const policy::PathsParams& params, RunContext&) {
  return enforcer::make_paths_readonly(params);
}

Status mount_readonly_root(RunContext&) { return enforcer::make_root_readonly(); }

}  // namespace ringfence::runtime::handlers
