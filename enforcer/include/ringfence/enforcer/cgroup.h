// A sandbox's cgroup, on cgroup v1 (one directory per controller) or v2 (one
// unified directory), chosen by what the host mounts. Created with its
// limits before the program exists; removed after it ends.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

struct Cgroup {
  int version = 0;  // 1 or 2
  // v1: (controller list as mounted, e.g. "cpu,cpuacct", directory); v2: ("", directory)
  std::vector<std::pair<std::string, std::string>> dirs;

  // The directory of one controller ("memory", "pids"...), or "" (v2: the
  // one directory).
  std::string dir_for(const std::string& controller) const;
};

// Where the host mounts its cgroup hierarchies, from /proc/self/mountinfo.
// `root` lets tests point at a fake tree.
struct CgroupLayout {
  int version = 0;
  std::vector<std::pair<std::string, std::string>> v1_mounts;  // (controllers, mount point)
  std::string v2_mount;
};
CgroupLayout detect_cgroup_layout();

// Whether a v1 hierarchy (its controller list, "blkio") holds a sandbox
// only when its limits use it: block I/O (blkio) and huge pages (hugetlb).
// Every other one always does.
bool optional_hierarchy(const std::string& controllers);
// Whether a sandbox with limits `l` gets a directory in the v1 hierarchy of
// `controllers`.
bool holds_sandbox(const std::string& controllers, const policy::CgroupParams& l);

// The name of a sandbox's cgroup under each hierarchy: "ringfence/NAME".
std::string cgroup_relative_path(const std::string& sandbox);

// Is `relative` a path a cgroup may have below a hierarchy's root: not
// empty, no "." or ".." component, no empty component? (An OCI bundle's
// cgroupsPath is the engine's text; it must not climb out of the tree.)
bool is_cgroup_path(const std::string& relative);

// The cgroup at `relative` (below each hierarchy's root), not created; an
// optional hierarchy's directory only where it exists.
Cgroup cgroup_at(const CgroupLayout& layout, const std::string& relative);

// One file write that sets a limit.
struct CgroupWrite {
  std::string dir, file, value;
  bool operator==(const CgroupWrite&) const = default;
};

// What setting `limits` on `cgroup` writes, in order, for its cgroup
// version (v1: per-controller files; v2: memory.max, cpu.max, cpu.weight,
// pids.max...). Fails when a limit has no controller to hold it.
Status cgroup_limit_writes(const Cgroup& cgroup, const policy::CgroupParams& limits, std::vector<CgroupWrite>& out);

// cgroup.create: makes the directories at `relative` (the levels above it
// too, as mkdir -p) and writes the limits. Fails when the cgroup exists.
Result<Cgroup> create_cgroup(const CgroupLayout& layout, const std::string& relative,
                             const policy::CgroupParams& limits);
// An update of a running sandbox's limits (`ringfence-oci update`): gives
// it what `limits` need that its cgroup was made without — a directory in
// the blkio or hugetlb hierarchy (v1), the io or hugetlb controller (v2) —
// so that the limits can then be written. On v1 every process of the
// sandbox is moved into the new directory while the sandbox is frozen, so
// that none forks past the move; a sandbox already paused stays paused.
// `cgroup` gains the new directories.
Status add_optional_hierarchies(const CgroupLayout& layout, const std::string& relative,
                                const policy::CgroupParams& limits, Cgroup& cgroup);
// The cgroup of an existing sandbox (for exec, delete), without creating it.
Cgroup open_cgroup(const CgroupLayout& layout, const std::string& sandbox);

// devices.cgroup (v1: devices.deny/devices.allow).
Status apply_device_rules(const Cgroup& cgroup, const policy::DeviceCgroupParams& rules);

// cgroup.attach, by the parent: writes `pid` into every directory's
// cgroup.procs. The kernel then takes its global threadgroup lock, whose
// first taking waits for an RCU grace period: 5-14 ms on this machine.
Status attach_to_cgroup(const Cgroup& cgroup, pid_t pid);

// cgroup.attach, by the process itself (cgroup v1): a single-threaded
// process that writes "0" into a hierarchy's `tasks` file moves without
// that lock (0.3 ms for six hierarchies). The files are opened by the
// parent before the clone (the kernel checks the opener's credentials) and
// written by the child first thing; the child must not have other threads.
Result<std::vector<Fd>> open_cgroup_tasks(const Cgroup& cgroup);
Status move_self_to_cgroup(const std::vector<Fd>& tasks);

// Kills whatever is left in the cgroup and removes its directories.
Status destroy_cgroup(const Cgroup& cgroup);

// The freezer (v1: freezer.state; v2: cgroup.freeze): `pause` and
// `resume`. set_frozen returns once the kernel reports the new state.
Status set_frozen(const Cgroup& cgroup, bool frozen);
bool is_frozen(const Cgroup& cgroup);

// The pids in the cgroup (of one of its directories).
std::vector<pid_t> cgroup_pids(const Cgroup& cgroup);

}  // namespace ringfence::enforcer
