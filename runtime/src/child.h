// The sandbox's first process, from the clone to the exec.
#pragma once

#include <signal.h>

#include "run_context.h"

namespace ringfence::runtime {

// Waits for the parent's go, runs the child's phases in plan order and
// execs the program; reports a failed step over `sync_fd` and exits 125.
// Never returns.
[[noreturn]] void run_child(RunContext& ctx, int sync_fd, const sigset_t& mask);

}  // namespace ringfence::runtime
