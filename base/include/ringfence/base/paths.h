// Host paths as the runtime compares and makes them.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "ringfence/base/status.h"

namespace ringfence {

// `path` with every symlink resolved, so that it compares with another
// resolved path; `path` itself when it cannot be resolved (yet).
std::string canonical_or_same(const std::string& path);

// Whether the absolute `path` is `dir` or lies below it, by components:
// "/etc/shadow" is within "/etc" and within "/", "/etcetera" is not within "/etc".
bool path_within(std::string_view path, std::string_view dir);

// mkdir -p: each missing directory of the absolute `path` made with `mode`,
// symlinks on the way followed. The error names the directory that could
// not be made: "creating /a/b failed: Read-only file system".
Status make_directories(const std::string& path, mode_t mode);

}  // namespace ringfence
