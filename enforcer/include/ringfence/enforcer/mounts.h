// The filesystem steps, run in the sandbox's process in its own mount
// namespace. Before pivot_root, `root_fd` is the staging directory the new
// root is assembled in; afterwards it is "/".
#pragma once

#include <string>
#include <vector>

#include "ringfence/enforcer/mount_sources.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// mount.propagation: nothing mounted from here on reaches the host.
Status make_mounts_private(const policy::PropagationParams& params);

// mount.rootfs: attach the root on the directory `staging_fd` (opened by
// the parent, so that the child never looks the path up): the --rootfs
// tree, or an empty tmpfs holding the host's allowed directories
// (read-only trees) and its merged-/usr symlinks. The trees come from
// `sources`. Returns a descriptor of the attached root itself.
Result<Fd> attach_root(const policy::RootfsParams& params, MountSources& sources, int staging_fd);

// mount.volumes and mount.tmpfs. Binds take their trees, in order, from
// `binds` (MountSources::volumes); tmpfs mounts are made here.
Status mount_entries(int root_fd, const policy::MountsParams& params, std::vector<Fd>* binds = nullptr);

// mount.proc
Status mount_proc(int root_fd, const policy::ProcParams& params);

// mount.dev: a tmpfs with the standard nodes — created with mknod where
// allowed, else bound from the host's verified nodes — ptys, shm, mqueue.
Status mount_dev(int root_fd, const policy::DevParams& params, bool in_user_namespace);

// devices.nodes
Status create_device_nodes(int root_fd, const policy::DeviceNodesParams& params, bool in_user_namespace);

// mount.sys: sysfs read-only; then /sys/fs/cgroup read-only: on cgroup v2
// (`unified`) a cgroup2 mount, which the cgroup namespace roots at the
// sandbox's own cgroup; on v1 a tmpfs holding `cgroup_dirs` (controllers ->
// the sandbox's host directory), each bound read-only.
Status mount_sys(int root_fd, const policy::SysParams& params,
                 const std::vector<std::pair<std::string, std::string>>& cgroup_dirs, bool unified);

// mount.hide-runtime: cover host paths (the ringfence binary, the state
// directory) where they appear inside the new root.
Status hide_host_paths(int root_fd, const std::vector<std::string>& paths);

// One of ringfence's own paths (canonical, on the host).
struct OwnPath {
  std::string path;
  // What is below it is ringfence's too (the state root: every sandbox's
  // state), so a source below it is refused; the audit log's directory
  // holds only the log's files, and a subdirectory someone made there is
  // theirs.
  bool owns_below = true;
};

// ringfence's own files (its binary, its state directory, the audit log's
// directory) where a bind of the host's `source` (canonical) on `target`
// inside the root exposes them: each is covered as hide_host_paths covers.
// A source that is one of them (or below one that owns_below) is refused:
// no sandbox may see the audit log or another sandbox's state, whatever
// its volumes or rootfs say (docs/security.md).
Status cover_own_paths(int root_fd, const std::string& source, const std::string& target,
                       const std::vector<OwnPath>& own);

// mount.pivot-root: make the mount `root_fd` is the root of the root, and
// detach the old one.
Status pivot_into(int root_fd);

// After pivot_root: mount.masked-paths, mount.readonly-paths, mount.readonly-root.
Status mask_paths(const policy::PathsParams& params);
Status make_paths_readonly(const policy::PathsParams& params);
Status make_root_readonly();

}  // namespace ringfence::enforcer
