// `ringfence exec`: run another program inside a running sandbox, under the
// policy it was started with.
#pragma once

#include <string>
#include <vector>

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

}  // namespace ringfence::runtime
