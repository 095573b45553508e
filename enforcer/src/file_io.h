// Small whole-file reads and writes for /proc, /sys and cgroup files, with
// errors as Status.
#pragma once

#include <string>

#include "ringfence/base/status.h"

namespace ringfence::enforcer {

Status read_file(const std::string& path, std::string& out);
// One write(2) of `value`: cgroup and /proc files take a value per write.
Status write_file(const std::string& path, const std::string& value);

}  // namespace ringfence::enforcer
