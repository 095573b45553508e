// Sandboxes on disk: one directory per sandbox under the state root
// (/run/ringfence, or --root), holding state.json in the OCI runtime
// state format plus ringfence's own fields, always replaced atomically.
//
// Every file under the root is reached from a descriptor of the root with
// O_NOFOLLOW (openat, mkdirat, renameat, unlinkat): a symlink planted there
// is never followed. The root itself is opened without following a symlink
// in its last component; whether it may be trusted (its owner and mode) is
// decided before, by whoever chose it (private_dir.h for the defaults).
// Every function refuses a name that is_valid_name rejects.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/oci_hooks.h"
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
  // Where the sandbox's events go; `exec` records its processes there too,
  // each record fsync'd on its own when `run --audit-fsync record` asked.
  std::string audit_log;
  bool audit_fsync_record = false;
  // An OCI container (`ringfence-oci create`): its bundle, the engine's
  // annotations (image and pod names) and its cgroup below each hierarchy's
  // root, as the bundle's cgroupsPath asked. Empty for `run`'s sandboxes.
  bool oci = false;
  std::string bundle;
  std::map<std::string, std::string> annotations;
  std::string cgroup_path;
  // The hooks that run after create (startContainer, poststart, poststop),
  // as config.json said at create: later verbs do not read the bundle
  // again, so a config.json changed after create cannot add hooks.
  policy::OciHooks hooks;
  // Its monitor (launcher_core.h), when its plan needs one: 0 when none.
  pid_t monitor_pid = 0;
  std::uint64_t monitor_start_time = 0;
};

// The runtime spec's state document (ociVersion, id, status, pid, bundle,
// annotations) for `ringfence-oci state`, with `status` as observed.
std::string oci_state_json(const SandboxState& state, const std::string& status);

// The FIFO an OCI container's process waits on between create and start.
inline constexpr const char* kStartFifo = "start.fifo";

// What `list` shows: the state as recorded, corrected by what is alive.
struct Observed {
  SandboxState state;
  std::string status;  // running | stopped | creating
  std::string note;    // e.g. "supervisor gone"
};

// A sandbox's name becomes a directory under the state root, a log file
// beside it and a cgroup: Docker's rule for container names,
// [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters. So never empty,
// never '/', never "." or "..", never a leading '.' or '-'.
inline constexpr std::size_t kMaxNameLength = 128;
bool is_valid_name(std::string_view name);
// Success, or EINVAL and a sentence that quotes the name and states the rule.
Status check_name(std::string_view name);

std::string state_dir(const std::string& root, const std::string& id);

// Creates the sandbox's directory; fails with EEXIST when the name is taken.
Status create_state_dir(const std::string& root, const std::string& id);
Status write_state(const std::string& root, const SandboxState& state);
// ENOENT: no such sandbox; ENODATA: its directory without a state (a start
// interrupted before writing it: nothing of it ran).
Result<SandboxState> read_state(const std::string& root, const std::string& id);
// The state as state.json has it, and back (`where` names it in errors).
nlohmann::json state_to_json(const SandboxState& state);
Result<SandboxState> state_from_json(const nlohmann::json& json, const std::string& where);
std::vector<std::string> list_ids(const std::string& root);
Observed observe(const SandboxState& state);
Status remove_state_dir(const std::string& root, const std::string& id);
// A detached sandbox's output, STATE_ROOT/NAME.log, opened for appending
// (made 0600 if missing, and the root too); refused when it is a symlink or
// not a regular file. `suffix` names another file of the log (its
// rotation's ".log.new", emptied when `fresh`).
Result<Fd> open_sandbox_log(const std::string& root, const std::string& id, const std::string& suffix = ".log",
                            bool fresh = false);

// The start time of a process (clock ticks since boot), 0 if it is gone.
std::uint64_t process_start_time(pid_t pid);
// Is `pid` alive and the same process that started at `start_time`?
bool same_process(pid_t pid, std::uint64_t start_time);

std::string now_rfc3339();

}  // namespace ringfence::runtime
