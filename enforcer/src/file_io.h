// Small whole-file reads and writes for /proc, /sys and cgroup files, with
// errors as Status.
#pragma once

#include <string>

#include "ringfence/base/status.h"

namespace ringfence::enforcer {

Status read_file(const std::string& path, std::string& out);
// One write(2) of `value`: cgroup and /proc files take a value per write.
Status write_file(const std::string& path, const std::string& value);

// A one-value kernel file's text (a cgroup limit, a /proc attribute) without
// the newline, spaces or NULs that end it.
inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace ringfence::enforcer
