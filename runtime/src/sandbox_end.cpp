#include "sandbox_end.h"

#include <signal.h>

#include <cstdio>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "kill_point.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/runtime/subids.h"

namespace ringfence::runtime {
namespace {

// "33554432" as "32 MiB"; other values as the cgroup file spells them.
std::string readable_limit(const std::string& bytes) {
  if (bytes.empty() || bytes.find_first_not_of("0123456789") != std::string::npos) return bytes;
  const unsigned long long n = std::stoull(bytes);
  if (n >= (1ULL << 30) && n % (1ULL << 30) == 0) return fmt::format("{} GiB", n >> 30);
  if (n >= (1ULL << 20) && n % (1ULL << 20) == 0) return fmt::format("{} MiB", n >> 20);
  return fmt::format("{} bytes", n);
}

// A limit that ended or stunted the program is said once on stderr (the
// audit log has the records): a bare 137 or a shell's "can't fork" would
// leave the user guessing.
void tell_limits(const Supervisor& supervisor, int exit_code, const Say& say) {
  const auto seen = supervisor.cgroup_counters();
  if (seen.oom_kills > 0)
    say(fmt::format("the kernel's OOM killer killed {} {} of the sandbox at its memory limit ({}){}", seen.oom_kills,
                    seen.oom_kills == 1 ? "process" : "processes", readable_limit(supervisor.memory_limit()),
                    exit_code == 128 + SIGKILL ? "; the exit status 137 is that kill" : ""));
  if (seen.pids_max_hits > 0)
    say(fmt::format("{} {} refused at the sandbox's pids limit ({}, the init included)", seen.pids_max_hits,
                    seen.pids_max_hits == 1 ? "fork was" : "forks were", supervisor.pids_limit()));
}

}  // namespace

Status append_record(audit::LogWriter* log, const std::string& sandbox, nlohmann::json event) {
  if (!log) return {};
  event["sandbox"] = sandbox;
  log->add(std::move(event));
  Status st = log->flush();
  if (!st) std::fprintf(stderr, "ringfence: warning: audit log: %s\n", st.message.c_str());
  return st;
}

nlohmann::json with_exit_status(nlohmann::json stop_event, int exit_code) {
  stop_event["exit_status"] =
      exit_code == Supervisor::kStatusUnknown ? nlohmann::json() : nlohmann::json(exit_code);
  return stop_event;
}

int record_stop(const Supervisor& supervisor, int exit_code, const SandboxState& state, bool quiet,
                const Record& record, const Say& say) {
  if (!quiet) tell_limits(supervisor, exit_code, say);
  nlohmann::json stop = {{"event", "sandbox.stop"},
                         {"profile", state.profile},
                         {"plan_sha256", state.plan_sha256},
                         {"exit_status", exit_code}};
  // The supervisor stopped it: its records could not be written. The stop
  // is still tried (the log may be writable again) and says why.
  const Status* unaudited = supervisor.log_failure();
  if (unaudited && supervisor.stopped_for_log())
    stop["reason"] = "the audit log could not be written: " + unaudited->message;
  const Status stopped = record(std::move(stop));
  if (unaudited) {
    if (supervisor.stopped_for_log())
      say(fmt::format("the audit log could not be written, so the sandbox was stopped (SIGKILL) rather than run "
                      "unaudited: {}{}",
                      unaudited->message,
                      stopped ? "; the log was writable again at the end and holds every record" : ""));
    else
      say(fmt::format("the sandbox ended, but its last records could not be written to the audit log: {}",
                      unaudited->message));
    return kExitRuntimeError;
  }
  if (!stopped) {
    say("the sandbox ended, but its stop could not be written to the audit log: " + stopped.message);
    return kExitRuntimeError;
  }
  return exit_code;
}

void clean_up(const std::string& state_root, const std::string& state_dir, SandboxState* state, bool remove,
              const std::optional<enforcer::Cgroup>& cgroup, const Say& say) {
  // The stopped state, with its exit status, before anything is removed: a
  // supervisor killed during the cleanup leaves a sandbox that `list` shows
  // as it ended, and `delete` removes the rest.
  if (state && !remove) {
    state->status = "stopped";
    (void)write_state(state_root, *state);
  }
  kill_point(kKillCleanup);
  if (cgroup) {
    if (Status st = enforcer::destroy_cgroup(*cgroup); !st) say("cleanup: " + st.message);
  }
  if (state && remove) {
    release_id_blocks(state_dir);
    (void)remove_state_dir(state_root, state->id);
  }
}

}  // namespace ringfence::runtime
