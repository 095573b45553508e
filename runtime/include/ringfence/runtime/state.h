// Sandboxes on disk: one directory per sandbox under the state root
// (/run/ringfence, or --root), holding state.json in the OCI runtime
// state format plus ringfence's own fields, always replaced atomically.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/enforcer/status.h"
#include "ringfence/policy/overrides.h"

namespace ringfence::runtime {

inline constexpr const char* kDefaultStateRoot = "/run/ringfence";

struct SandboxState {
  std::string id;
  std::string status = "creating";  // creating | created | running | stopped
  pid_t pid = 0;                     // the sandbox's first process (init), on the host
  std::uint64_t pid_start_time = 0;  // /proc/PID/stat field 22, against pid reuse
  pid_t supervisor_pid = 0;
  std::uint64_t supervisor_start_time = 0;
  std::string profile;                     // the profile's name
  std::vector<std::string> profile_refs;   // as given to run (for exec)
  policy::DockerFlags flags;               // as given to run (for exec)
  std::string rootfs;                      // "" = the host's root
  std::string plan_sha256;
  std::string started;  // RFC 3339, UTC
  std::vector<std::string> command;
  std::optional<int> exit_status;
  bool detached = false;
  bool auto_remove = false;  // a foreground run without --name
  // The plan's steps that ran, and the optional ones skipped because the
  // kernel lacks the feature: the only record of what has no /proc view
  // (Landlock), for `audit check --name`.
  std::vector<std::string> applied_steps, skipped_steps;
};

// What `list` shows: the state as recorded, corrected by what is alive.
struct Observed {
  SandboxState state;
  std::string status;  // running | stopped | creating
  std::string note;    // e.g. "supervisor gone"
};

std::string state_dir(const std::string& root, const std::string& id);

// Creates the sandbox's directory; fails with EEXIST when the name is taken.
enforcer::Status create_state_dir(const std::string& root, const std::string& id);
enforcer::Status write_state(const std::string& root, const SandboxState& state);
std::optional<SandboxState> read_state(const std::string& root, const std::string& id, enforcer::Status& status);
std::vector<std::string> list_ids(const std::string& root);
Observed observe(const SandboxState& state);
enforcer::Status remove_state_dir(const std::string& root, const std::string& id);

// The start time of a process (clock ticks since boot), 0 if it is gone.
std::uint64_t process_start_time(pid_t pid);
// Is `pid` alive and the same process that started at `start_time`?
bool same_process(pid_t pid, std::uint64_t start_time);

std::string now_rfc3339();

}  // namespace ringfence::runtime
