/* What ringfence's C++ side and ringfence-exec (runtime/exec-helper/), the
 * small static program a sandbox execs last, agree on. Plain C: both sides
 * include it.
 *
 * The sync channel's wire form: one fixed-size datagram per message, so one
 * read is always one whole message. */
#ifndef RINGFENCE_RUNTIME_EXEC_ABI_H
#define RINGFENCE_RUNTIME_EXEC_ABI_H

#include <stdint.h>

#define RF_MSG_STEP_FAILED 2u /* child -> parent: a step failed (name, errno, text) */

struct rf_sync_wire {
  uint32_t kind;
  int32_t err;
  int32_t number;
  char step[64];
  char text[512];
};

/* The signals the supervisor and the sandbox's init pass on to the program. */
/* (The includer provides the names: <signal.h>, or <asm/signal.h> freestanding.) */
#define RF_FORWARDED_SIGNALS SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH

/* ringfence-exec MODE SYNC_FD PROGRAM_FD PATH ARGV0 [ARGS...], with the
 * program's environment as its own:
 *   MODE        "exec": become the program; "init": fork it and stay as its
 *               PID 1 (reap, forward signals, exit with its status)
 *   SYNC_FD     the sync socket: an exec failure is reported on it
 *   (MODE "start", an OCI create: SYNC_FD is instead the start FIFO, open
 *   read-write; ringfence-exec blocks reading one byte from it — `start`
 *   writes it — then closes it and execs; a failed exec is said on stderr
 *   and exits 126/127, as nobody listens on the sync channel any more)
 *   PROGRAM_FD  a descriptor of the checked program to execveat, or "-" to
 *               execve PATH (a script, whose interpreter opens it by path) */
#define RF_EXEC_MODE_EXEC "exec"
#define RF_EXEC_MODE_INIT "init"
#define RF_EXEC_MODE_START "start"
#define RF_EXEC_FIXED_ARGS 5 /* argv[0..4] before the program's argv */

#endif
