// runtime-spec config-linux.md, "Seccomp" and "The Container Process
// State": when config.json names a listenerPath, the runtime connects to
// that UNIX socket and sends, in one message, a JSON document (ociVersion,
// fds, pid, metadata, state) with the seccomp notify descriptor attached
// (SCM_RIGHTS). The process at the other end answers the notifications.
#pragma once

#include <sys/types.h>

#include <string>

#include "ringfence/base/status.h"

namespace ringfence::runtime {

Status send_seccomp_listener(const std::string& path, int listener, pid_t pid, const std::string& metadata,
                             const std::string& state_json);

}  // namespace ringfence::runtime
