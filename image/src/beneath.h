// openat2 with RESOLVE_BENEATH for the files of an image handed to
// `image import` and for the store's own directories: a symlink in an OCI
// layout (blobs/sha256/x -> /etc/shadow) must not make root read a host file.
#pragma once

#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::image {

// `path` (relative) under dir_fd, no symlink or ".." leaving it; O_CLOEXEC added.
Result<Fd> open_beneath(int dir_fd, const std::string& path, int flags, mode_t mode = 0);

}  // namespace ringfence::image
