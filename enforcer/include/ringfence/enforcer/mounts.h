// The filesystem steps, run in the sandbox's process in its own mount
// namespace. Before pivot_root, `root_fd` is the staging directory the new
// root is assembled in; afterwards it is "/".
#pragma once

#include <string>
#include <vector>

#include "ringfence/enforcer/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// mount.propagation: nothing mounted from here on reaches the host.
Status make_mounts_private(const policy::PropagationParams& params);

// mount.rootfs: bind the root (the host's "/" or a directory) recursively
// onto `staging`, nosuid and nodev; the host's root is also made read-only
// here, recursively, before anything is mounted on top of it.
Status bind_rootfs(const policy::RootfsParams& params, const std::string& staging);

// mount.volumes and mount.tmpfs.
Status mount_entries(int root_fd, const policy::MountsParams& params);

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

// mount.pivot-root: make `staging` the root and detach the old one.
Status pivot_into(const std::string& staging);

// After pivot_root: mount.masked-paths, mount.readonly-paths, mount.readonly-root.
Status mask_paths(const policy::PathsParams& params);
Status make_paths_readonly(const policy::PathsParams& params);
Status make_root_readonly();

}  // namespace ringfence::enforcer
