// What the supervisor does once the program has ended, the same whether it
// is ringfence itself (a foreground run) or the small supervisor a detached
// sandbox execs (handover.h): say what limit ended the program, record the
// stop, and remove what the sandbox leaves behind.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ringfence/audit/log_writer.h"
#include "ringfence/base/status.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/runtime/state.h"
#include "supervisor.h"

namespace ringfence::runtime {

using Say = std::function<void(const std::string& line)>;
// Appends one lifecycle record to the audit log (and flushes it).
using Record = std::function<Status(nlohmann::json event)>;

// Appends one lifecycle record, under the sandbox's name, and flushes it;
// a failure is also warned of on stderr. Nothing when there is no log.
Status append_record(audit::LogWriter* log, const std::string& sandbox, nlohmann::json event);

// A monitor's stop event (launcher_core.h) with the exit status it learnt:
// null when the kernel did not report it (Supervisor::kStatusUnknown).
nlohmann::json with_exit_status(nlohmann::json stop_event, int exit_code);

// Says, then records, how the program ended: an OOM kill or pids-limit
// hits on stderr (unless `quiet`), then `sandbox.stop`. Returns the exit
// code to report: the program's, or 125 when its records or its stop could
// not be written.
int record_stop(const Supervisor& supervisor, int exit_code, const SandboxState& state, bool quiet,
                const Record& record, const Say& say);

// The sandbox's remains: its cgroups, and its state directory when it is to
// be removed (`remove`), else its state says "stopped" with its exit status.
// `state` is nullptr when the start failed before it made one; `state_dir`
// is the directory as the start resolved it (its id blocks are released by
// that name).
void clean_up(const std::string& state_root, const std::string& state_dir, SandboxState* state, bool remove,
              const std::optional<enforcer::Cgroup>& cgroup, const Say& say);

}  // namespace ringfence::runtime
