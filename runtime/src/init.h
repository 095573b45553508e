// The sandbox's PID 1 (step process.init).
#pragma once

#include "ringfence/enforcer/status.h"

namespace ringfence::runtime {

// Forks. The child returns (to go on and exec the program); the parent
// becomes the init and never returns: it closes its copy of the sync
// socket, reaps every zombie, forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT,
// SIGUSR1, SIGUSR2 and SIGWINCH to the program, and exits with the
// program's status (128+N when a signal N ended it).
enforcer::Status start_init(int sync_fd);

// The signals the supervisor and the init pass on to the program.
const int* forwarded_signals(int* count);

// The exit code of a wait status: the status, or 128+signal.
int exit_code_of(int wait_status);

}  // namespace ringfence::runtime
