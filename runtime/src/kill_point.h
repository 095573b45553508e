// Named moments of a start and of the cleanup at which a test can have the
// supervisor killed with SIGKILL (RINGFENCE_KILL_AT=POINT, honoured by
// fault-injection builds only: base/fault.h), to see what a crash there
// leaves (what `list` says, what `delete` removes).
#pragma once

#include <string_view>

#include "ringfence/base/fault.h"

namespace ringfence::runtime {

// The points, in the order a run passes them.
inline constexpr std::string_view kKillStateDir = "state-dir";      // its directory made, no state in it yet
inline constexpr std::string_view kKillBeforeClone = "before-clone";  // parent steps done, no process yet
inline constexpr std::string_view kKillAfterClone = "after-clone";    // the child exists, waits for go
inline constexpr std::string_view kKillChildSteps = "child-steps";    // the child runs its steps
inline constexpr std::string_view kKillAfterExec = "after-exec";      // the program runs; its state not yet written
inline constexpr std::string_view kKillRunning = "running";           // the start is recorded
inline constexpr std::string_view kKillCleanup = "cleanup";           // the stop is recorded, nothing removed yet

using fault::kill_point;

}  // namespace ringfence::runtime
