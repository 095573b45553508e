// The bundle's hooks (runtime-spec config.md, "POSIX-platform Hooks"), run
// with the container's state on their stdin, each bounded by its timeout.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "ringfence/base/status.h"
#include "ringfence/policy/oci_config.h"

namespace ringfence::cli {

// Where a hook runs: the runtime's namespaces (prestart, createRuntime,
// poststart, poststop), or the container's, found through its process
// `pid` — createContainer (its path resolved in the runtime's mount
// namespace, as the spec says, then executed inside) and startContainer
// (resolved and executed inside).
enum class HookPlace { Runtime, ContainerResolvedOutside, Container };

// Runs `hooks` in order; the first that fails, or outlives its timeout (it
// is then killed), stops the rest. `which` names them in messages.
Status run_hooks(const std::vector<policy::OciHook>& hooks, const char* which, const std::string& state_json,
                 HookPlace place = HookPlace::Runtime, pid_t pid = 0);

}  // namespace ringfence::cli
