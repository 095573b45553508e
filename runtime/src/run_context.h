// Everything the steps of one start share. The parent fills in the first
// part before the clone; the child starts with a copy of it and adds its own.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/identity.h"
#include "ringfence/enforcer/mounts.h"
#include "ringfence/enforcer/mount_sources.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/policy/step_kind.h"
#include "ringfence/runtime/launcher.h"
#include "ringfence/runtime/start_timings.h"
#include "ringfence/runtime/subids.h"

namespace ringfence::runtime {

// What is being started: a sandbox (run, learn; OCI create), or one more
// process in a running sandbox (exec), which applies only the step kinds
// that shape a process (step_kind.h's exec column).
enum class LaunchMode { Sandbox, Exec };

struct RunContext {
  RunContext(const policy::Plan& p, const LaunchOptions& o, LaunchMode m = LaunchMode::Sandbox)
      : plan(p), options(o), mode(m) {}

  const policy::Plan& plan;
  const LaunchOptions& options;
  LaunchMode mode;

  // Does this start carry out steps of `kind`?
  bool applies(policy::StepKind kind) const {
    return !skipped.count(kind) && (mode == LaunchMode::Sandbox || policy::step_applies_to_exec(kind));
  }

  std::string staging;  // where the new root is assembled (host path)
  Fd staging_dir;       // that directory, opened by the child right after the clone

  // Filled by the parent's steps before clone.
  std::optional<enforcer::CompiledFilter> filter;
  enforcer::CgroupLayout cgroup_layout;
  std::optional<enforcer::Cgroup> cgroup;  // exec: the running sandbox's
  std::set<policy::StepKind> skipped;      // optional steps skipped because the kernel lacks the feature
  std::vector<std::string> suid_files;     // found by suid.scan, relative to the root
  std::vector<std::string> hide_paths;     // host paths covered inside by mount.hide-runtime
  // ringfence's own (its binary, the state root, the audit log's directory),
  // canonical: covered wherever a volume or a rootfs would show them.
  std::vector<enforcer::OwnPath> own_paths;
  bool in_user_namespace = false;
  // seccomp.load asks the kernel to log what the filter refuses
  // (SECCOMP_FILTER_FLAG_LOG): the supervisor reads those records.
  bool log_denials = false;
  // The child makes its cgroup namespace after the parent's cgroup.attach
  // (cgroup v1, see launcher_core.cpp) instead of at the clone.
  bool cgroup_ns_after_attach = false;
  // The clone put the child in its cgroup (clone3 CLONE_INTO_CGROUP, cgroup
  // v2): cgroup.attach has nothing left to do.
  bool born_in_cgroup = false;
  // cgroup v1: the tasks file of each of the sandbox's directories, opened
  // before the clone; the child writes 0 into them first thing and so moves
  // itself (enforcer/cgroup.h says why), and cgroup.attach has nothing left
  // to do in the parent. Empty when the parent moves the child.
  std::vector<Fd> cgroup_tasks;
  bool child_moves_itself = false;
  // The sandbox's state directory (absolute): what its id block is reserved for.
  std::string state_dir;
  std::optional<IdBlock> id_block;  // userns.ids
  // The root's trees and the volume sources, opened before the clone
  // (mount.sources) or, rootless, by the child; the parent drops its copies
  // after the clone.
  enforcer::MountSources sources;
  // Namespaces the new process joins instead of creating (namespaces.join,
  // and everything of the running sandbox for exec): descriptors and their
  // CLONE_NEW* types. A short-lived intermediate process joins them and
  // clones the sandbox's process from inside them: ringfence itself never
  // enters another namespace.
  std::vector<std::pair<Fd, int>> joins;
  // ringfence-exec in a sealed memfd (exec_helper.h), made before the
  // clone; process.exec execs it, and with process.init it stays as PID 1.
  Fd exec_helper;
  bool as_init = false;

  // An OCI create: the start FIFO, opened read-write so that ringfence-exec
  // blocks reading it until `start` writes (launcher.h, OciLaunch).
  Fd start_fifo;
  // process.terminal (OCI create, exec --tty): where the pty's master goes.
  int console_socket = -1;
  std::optional<std::pair<std::uint16_t, std::uint16_t>> console_size;
  int preserve_fds = 0;  // 3 .. 3+N-1 reach the program
  // The program's stdin instead of the caller's (run and exec without -i).
  Fd stdin_null;

  // The parent's view of the child.
  pid_t child = -1;
  // Called by the parent once the child exists and before it can reach
  // its exec — the moment it stops dying with ringfence (child.cpp): run
  // records the child's pid in the state then, so that a supervisor killed
  // at any later moment leaves a state that names the process `list` must
  // judge and `delete` must end. When the parent has steps while the child
  // builds its root, that is among them, off the start's critical path
  // (launcher_core.cpp); else right after the clone.
  std::function<void()> cloned;

  // The child's own.
  int sync_fd = -1;
  // `run --timings`: the child's steps so far, by their index in the plan;
  // sent with the exec message (start_timings.h).
  std::vector<std::pair<std::size_t, StartTimings::Stretch>> child_timings;
  Fd staging_fd;  // the new root's mount, from mount.rootfs until pivot_root
  std::optional<enforcer::Identity> identity;

  // Where a step reports a skipped optional feature (printed, and later
  // written to the audit log).
  std::function<void(const std::string& step, const std::string& text)> warn;
};

}  // namespace ringfence::runtime
