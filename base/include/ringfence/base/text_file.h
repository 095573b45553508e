// A whole file read as text: what users hand ringfence (profiles, seccomp
// JSON, config.json, the site policy) and the kernel's /proc, /sys and
// cgroup files (all regular files to stat). Only a regular
// file is read: std::ifstream opens a directory without complaint and
// reads nothing, so `--profile DIR` was an empty profile (the default
// policy) and `--policy DIR` an empty site policy (no floor); a FIFO would
// block. Symlinks are followed, as a shell user expects.
#pragma once

#include <string>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence {

// The error's message is the reason alone ("is a directory, not a file",
// strerror's text), for the caller to put after the path it names.
Result<std::string> read_text_file(const std::string& path);

// All of `text` written to `fd`, through short writes and EINTR; the
// failure names errno.
Status write_all(int fd, const std::string& text);

}  // namespace ringfence
