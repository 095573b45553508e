// `ringfence exec`: run another program inside a running sandbox, under the
// policy it was started with.
#pragma once

#include <string>
#include <vector>

namespace ringfence::runtime {

// Recompiles the sandbox's profile as it was started (refusing if what it
// compiles to changed since), joins the init's namespaces and cgroup, and
// applies the same process steps — identity, capabilities,
// no_new_privileges, LSM labels, Landlock, seccomp — before the exec.
// Returns the exit code, as run does.
int exec_in_sandbox(const std::string& state_root, const std::string& name, const std::vector<std::string>& argv);

// The steps an exec repeats, in plan order: the ones that shape the process
// rather than the sandbox.
bool step_applies_to_exec(const std::string& step);

}  // namespace ringfence::runtime
