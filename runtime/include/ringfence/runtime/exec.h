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
//
// What the request changes is the process's alone, as docker exec's flags
// are: its environment, working directory and user, and its stdio. The
// policy — capabilities, filters, mounts — stays the sandbox's.
struct ExecRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // -e: NAME=VALUE, or NAME for the caller's value
  std::string workdir;           // -w: absolute; "" = the sandbox's
  std::string user;              // -u: USER[:GROUP], names or numbers; "" = the sandbox's
  bool tty = false;              // -t: a pty relayed to the caller's terminal
  bool stdin_open = false;       // -i: the caller's stdin; otherwise /dev/null
};
int exec_in_sandbox(const std::string& state_root, const std::string& name, const ExecRequest& request);

// Applies a request's -e/-w/-u to the process steps of `plan` (the exec's
// own copy). Fails on a relative -w or a malformed -e or -u.
Status apply_exec_request(const ExecRequest& request, policy::Plan& plan);

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
  // A pty for it whose master ringfence relays itself (exec -t), and
  // whether the caller's stdin reaches it (exec -i; an engine's exec keeps
  // the stdio it was given).
  bool tty = false;
  bool stdin_open = true;
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
