// What `run` and `learn` choose when the command line does not say: the
// sandbox's name and the audit log; and how they leave after joining
// another sandbox's PID namespace.
#pragma once

#include <string>

namespace ringfence::cli {

// "rf-" and 12 random hex digits.
std::string random_sandbox_name();
// Root's log is the system's; a rootless user's is in its own state
// directory (XDG_STATE_HOME), which the user can write.
std::string default_audit_log();
// This process's next child would be born in another PID namespace (--pid
// container:NAME).
bool joined_other_pid_namespace();

}  // namespace ringfence::cli
