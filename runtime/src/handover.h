// The small supervisor of a detached sandbox (issue 14, target 2). Once a
// detached sandbox's program runs, ringfence has nothing left to do but
// watch it, yet a whole ringfence — the compiler, the CLI, every verb —
// would stay resident for the sandbox's lifetime. So the supervisor execs
// `ringfence-supervisor` in its own place: the same pid (the state's
// supervisor_pid, still the program's parent), the descriptors the
// supervisor holds kept across the exec, and a description of the rest in
// a sealed memfd. The small program links only the supervisor's loop
// (supervisor.h), the audit log's writer and the cleanup (sandbox_end.h).
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
  std::string state_root;
  std::string state_dir;  // as the start resolved it
  SandboxState state;     // as written once the program ran
  bool remove = false;    // the state directory goes at the end (--rm)
  bool quiet = false;
  pid_t child = 0;
  std::optional<policy::SeccompFilter> filter;
  std::optional<policy::SuperviseParams> supervise;
  std::optional<enforcer::Cgroup> cgroup;
  bool watch_cgroup = false;
  enforcer::CgroupCounters seen;
  // Descriptors kept across the exec (-1: none).
  int listener = -1, denials = -1, output_file = -1, output_pipe = -1;
  // `run --detach`'s report pipe: "started NAME" once the small supervisor
  // is set up, or why it could not be.
  int report = -1;
  DenialSource denial_source;
  off_t output_max = 0;
  int restore_rgid = -1;  // the real gid to put back (-1: it was not changed)
};

nlohmann::json handover_json(const Handover& h);
Result<Handover> handover_from_json(const nlohmann::json& j);

// ringfence-supervisor beside the running binary, opened now (O_PATH): the
// file must be a regular file of the binary's owner that no one else can
// write. Fails when there is none (a binary copied alone): the supervisor
// then stays in process.
Result<Fd> open_small_supervisor();

// Describes the supervisor's standing (supervisor.h) and the rest of the
// sandbox, then execs the small supervisor in this process's place. Returns
// only when the exec failed; this process then supervises on its own.
Status exec_small_supervisor(const Fd& program, Handover handover, const Supervisor& supervisor,
                             const OutputLog* output);

// The small supervisor's main: argv is {name, "--handover", FD}.
int run_handed_over(int argc, char** argv);

}  // namespace ringfence::runtime
