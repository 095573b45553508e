// File-level helpers the log's writers share.
#pragma once

#include <string>

#include "ringfence/base/status.h"

namespace ringfence::audit {

// The last complete line of the file (without its newline), or "" for an
// empty file. A torn last line (no newline: a writer died mid-write) is not
// a record; the next record follows the last complete one.
std::string last_complete_line(int fd);

// The log's directory and its parents, each made 0700 if missing.
Status ensure_log_dir(const std::string& path);

}  // namespace ringfence::audit
