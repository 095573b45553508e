// Host paths as the runtime compares and makes them.
#pragma once

#include <sys/types.h>

#include <string>

#include "ringfence/base/status.h"

namespace ringfence {

// `path` with every symlink resolved, so that it compares with another
// resolved path; `path` itself when it cannot be resolved (yet).
std::string canonical_or_same(const std::string& path);

// mkdir -p: each missing directory of the absolute `path` made with `mode`,
// symlinks on the way followed. The error names the directory that could
// not be made: "creating /a/b failed: Read-only file system".
Status make_directories(const std::string& path, mode_t mode);

}  // namespace ringfence
