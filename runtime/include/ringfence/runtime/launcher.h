// `ringfence run`: carry out a plan — the parent's steps, the clone, the
// child's steps, the exec — and supervise the program until it ends.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ringfence/base/status.h"

#include "ringfence/audit/log_writer.h"
#include "ringfence/policy/learn.h"
#include "ringfence/policy/oci_hooks.h"
#include "ringfence/policy/overrides.h"
#include "ringfence/policy/plan.h"

namespace ringfence::runtime {

// `ringfence-oci create`: every step of the plan runs, then the container's
// process waits in ringfence-exec on the state directory's start FIFO until
// `start`; create itself exits, leaving nothing of ringfence resident (the
// engine's shim, a subreaper, becomes the process's parent).
struct OciLaunch {
  std::string bundle;
  std::map<std::string, std::string> annotations;
  int console_socket = -1;  // connected; process.terminal's pty master goes there
  std::optional<std::pair<std::uint16_t, std::uint16_t>> console_size;  // rows, columns
  int preserve_fds = 0;  // descriptors 3 .. 3+N-1 pass to the process
  policy::OciHooks hooks;  // kept in the state for start and delete
  // linux.seccomp.listenerPath and listenerMetadata: the filter's notify
  // descriptor goes there (seccomp_listener.h) instead of to a monitor.
  std::string listener_path, listener_metadata;
  // Run once the process exists and waits (the prestart, createRuntime and
  // createContainer hooks); a failure ends the create.
  std::function<Status(pid_t)> created;
  // Where the launcher's messages also go (the engine's --log).
  std::function<void(const std::string&)> report;
};

class StartTimings;

struct LaunchOptions {
  std::string name;  // the sandbox's id
  std::string state_root;
  std::vector<std::string> argv;
  std::string rootfs;  // "" = the host's root
  bool detach = false;
  bool auto_remove = false;  // remove the state when the program ends
  std::vector<std::string> profile_refs;
  policy::DockerFlags flags;
  std::string audit_log;  // where events go (docs/audit.md); "" = none
  audit::FsyncPolicy audit_fsync = audit::FsyncPolicy::Batch;
  // `ringfence learn` (a plan compiled with CompileOptions::learn): the
  // supervisor fills it with the calls it let through. Not with detach.
  policy::LearnedCalls* learned = nullptr;
  // The cgroup below each hierarchy's root; "" = ringfence/NAME.
  std::string cgroup_path;
  const OciLaunch* oci = nullptr;  // an OCI create
  // Not to say on stderr that a memory or pids limit ended the program, nor
  // notes such as a :z volume not relabelled without SELinux.
  bool quiet = false;
  // `run -t`: a pty from the sandbox's devpts, relayed to the caller's
  // terminal (docs/runtime.md, "Terminals"). Not with detach or oci.
  bool tty = false;
  // `run -i`: the caller's stdin reaches the program; false: /dev/null.
  // (learn and OCI keep stdin as it is.)
  bool stdin_open = true;
  // `run --timings`: where each stretch of the start and the stop is noted
  // (start_timings.h); null: nothing is measured.
  StartTimings* timings = nullptr;
};

// Returns the exit code for ringfence: the program's status, 128+N for a
// signal, 125 when ringfence failed, 126/127 when the program could not be
// executed or found.
int run_sandbox(const policy::Plan& plan, const LaunchOptions& options);

}  // namespace ringfence::runtime
