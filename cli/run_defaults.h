// What `run` and `learn` choose when the command line does not say: the
// sandbox's name and the audit log.
#pragma once

#include <optional>
#include <string>

#include "ringfence/base/result.h"
#include "ringfence/policy/profile.h"

namespace ringfence::cli {

// "rf-" and 12 random hex digits.
std::string random_sandbox_name();
// Root's log is the system's, in a directory only root may enter; a
// rootless user's is in its own state directory ($XDG_STATE_HOME/ringfence,
// else ~/.local/state/ringfence, else /tmp/ringfence-UID). The directory is
// made if missing and checked (runtime/private_dir.h): a failure, with a
// sentence, when it is not the caller's, or others may write in it.
Result<std::string> default_audit_log();
// --audit-log, else the profile's audit.log (both the user's choice, used as
// given), else the default; nullopt after saying why on stderr.
std::optional<std::string> chosen_audit_log(const std::string& flag, const policy::Profile& profile);

}  // namespace ringfence::cli
