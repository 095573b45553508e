// The small supervisor (issue 14, target 2). Once a sandbox's program runs,
// ringfence has nothing left to do but watch it, yet a whole ringfence —
// the compiler, the CLI, every verb — would stay resident for the
// program's lifetime. So the process that stays execs `ringfence-supervisor`
// in its own place: the same pid, the descriptors the supervisor holds kept
// across the exec, and a description of the rest in a sealed memfd. The
// small program links only the supervisor's loop (supervisor.h), the audit
// log's writer and the cleanup (sandbox_end.h).
//
// Two processes stay, and both become it:
//   run      a detached sandbox's supervisor: the program is its child; at
//            the end it records sandbox.stop and removes the sandbox's
//            remains (launcher.cpp).
//   monitor  the monitor of an OCI container or of a detached exec, whose
//            process an engine's shim reaps: at the end it records the
//            stop event it was given (launcher_monitor.cpp).
//
// Its window: between the exec and its first instruction the process would
// be dumpable again (exec resets it), and a sandbox that shares the host's
// PID namespace could open /proc/PID/root. The exec is made with the real
// gid differing from the effective one, which makes the kernel mark the new
// image non-dumpable itself; the small program then puts the real gid back.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/cgroup_events.h"
#include "ringfence/policy/plan.h"
#include "ringfence/runtime/state.h"
#include "denial_recorder.h"

namespace ringfence::runtime {

class OutputLog;
class Supervisor;

struct Handover {
  enum class End { Run, Monitor };
  End end = End::Run;
  std::string sandbox;  // the name its records carry
  std::string audit_log;  // "" when there is none
  bool audit_fsync_record = false;
  bool quiet = false;
  pid_t child = 0;
  std::optional<policy::SeccompFilter> filter;
  std::optional<policy::SuperviseParams> supervise;
  std::optional<enforcer::Cgroup> cgroup;
  bool watch_cgroup = false;
  enforcer::CgroupCounters seen;
  bool forward = true;  // signals to this process go on to the program
  // Descriptors kept across the exec (-1: none).
  int pidfd = -1, exits = -1, listener = -1, denials = -1, output_file = -1, output_pipe = -1;
  // The report pipe its starter waits on: "started NAME" (run) or "+"
  // (monitor) once it is set up; why it could not be, when it could not.
  int report = -1;
  DenialSource denial_source;
  off_t output_max = 0;
  int restore_rgid = -1;  // the real gid to put back (-1: it was not changed)

  // End::Run: the state, as written once the program ran, and what the end
  // removes.
  std::string state_root;
  std::string state_dir;  // as the start resolved it
  SandboxState state;
  bool remove = false;  // the state directory goes at the end (--rm)

  // End::Monitor: the record of the end, without its exit_status (JSON).
  std::string stop_event;
};

nlohmann::json handover_json(const Handover& h);
Result<Handover> handover_from_json(const nlohmann::json& j);

// ringfence-supervisor beside the running binary, opened now (O_PATH): the
// file must be a regular file of the binary's owner that no one else can
// write. Fails when there is none (a binary copied alone): the supervisor
// then stays in process.
Result<Fd> open_small_supervisor();

// Before the exec, while CAP_SETGID is still held: sets the real gid apart
// from the effective one. Returns the real gid to put back (-1 when it was
// apart already), or nullopt when it could not be done: the caller then
// does not exec, and supervises in process, rather than open the window.
std::optional<int> set_real_gid_apart();

// Describes the supervisor's standing (supervisor.h) and the rest, then
// execs the small supervisor in this process's place. Returns only when the
// exec failed; this process then supervises on its own (and puts the real
// gid back).
Status exec_small_supervisor(const Fd& program, Handover handover, const Supervisor& supervisor,
                             const OutputLog* output);

// The small supervisor's main: argv is {name, "--handover", FD, SANDBOX},
// the sandbox's name there for `ps` alone.
int run_handed_over(int argc, char** argv);

}  // namespace ringfence::runtime
