// linux.sysctl of a bundle, written into the container's own network, IPC
// and UTS namespaces before its program starts.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "ringfence/base/status.h"

namespace ringfence::cli {

// Writes each key (dots become slashes under /proc/sys) as the container's
// process `pid` would see it. The reader already refused keys that are not
// namespaced or whose namespace the container shares with the host; the
// values are written from a short-lived child that joined the container's
// net, IPC and UTS namespaces, because /proc/sys/net, kernel.shm* and
// kernel.hostname answer for the namespaces of the writing process, not
// of the /proc mount. The container's mounts (its /proc/sys is read-only)
// are never touched.
Status write_sysctls(pid_t pid, const std::map<std::string, std::string>& sysctl);

}  // namespace ringfence::cli
