// `ringfence exec`: run another program inside a running sandbox, under the
// policy it was started with.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ringfence/policy/plan.h"
#include "ringfence/runtime/state.h"

namespace ringfence::runtime {

// Recompiles the sandbox's profile as it was started (refusing if what it
// compiles to changed since) and starts the program through the launcher
// core (launcher_core.h) in exec mode: a process that joins the init's
// namespaces and cgroup, gets the sandbox's rlimits and OOM score, and the
// same process steps — identity, capabilities, no_new_privileges, LSM
// labels, Landlock, seccomp — before the exec (the step kinds with the exec
// column set, policy/step_kind.h). It is supervised and recorded in the
// sandbox's audit log like the sandbox's own program. Returns the exit
// code, as run does.
int exec_in_sandbox(const std::string& state_root, const std::string& name, const std::vector<std::string>& argv);

// The namespaces of `pid` that differ from the caller's, as setns flags:
// what a process must join to be where `pid` is.
int namespaces_to_join(pid_t pid);

// How an exec is started, beyond its plan (OCI exec).
struct ExecHow {
  std::vector<std::string> argv;
  // Start it and return 0 without waiting: whoever reaps orphans (the
  // engine's shim, a subreaper) becomes its parent.
  bool detach = false;
  int console_socket = -1;  // a pty for it, its master sent there (terminal.h)
  std::optional<std::pair<std::uint16_t, std::uint16_t>> console_size;
  int preserve_fds = 0;
  std::function<void(pid_t)> started;  // once it runs (the pid file)
};

// The exec itself, under `plan`, which the caller has checked is the one
// the sandbox `state` runs under (exec_in_sandbox compares plan hashes; an
// OCI exec recompiles the bundle). Returns the exit code, or 0 detached.
int exec_with_plan(const std::string& state_root, const SandboxState& state, const policy::Plan& plan,
                   const ExecHow& how);

}  // namespace ringfence::runtime
