// Reaching a sandbox named on the command line: its state and a pidfd on
// its init that cannot point at a recycled pid.
#pragma once

#include <optional>
#include <string>

#include "ringfence/enforcer/fd.h"
#include "ringfence/runtime/state.h"

namespace ringfence::cli {

// A pidfd for the sandbox's init, or an invalid Fd when it is not running.
enforcer::Fd open_init(const runtime::SandboxState& state);

// "TERM", "SIGTERM", "15" -> 15; nullopt for anything else.
std::optional<int> parse_signal(const std::string& text);

// Waits up to `seconds` for the process behind `pidfd` to exit.
bool wait_exit(int pidfd, int seconds);

}  // namespace ringfence::cli
