// What the supervisor shares with the sandbox's PID 1 (ringfence-exec,
// runtime/exec-helper/): the signals passed on and how a status becomes an
// exit code.
#pragma once

namespace ringfence::runtime {

// The signals the supervisor and the init pass on to the program
// (RF_FORWARDED_SIGNALS of exec_abi.h).
const int* forwarded_signals(int* count);

// The exit code of a wait status: the status, or 128+signal.
int exit_code_of(int wait_status);

}  // namespace ringfence::runtime
