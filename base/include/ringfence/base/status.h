// What a fallible operation returns: success, or an errno and a sentence
// saying what was being done. Shared by every module (DESIGN.md, "Errors");
// the policy layer has its own Diagnostics, with file:line:column.
#pragma once

#include <cerrno>
#include <string>

namespace ringfence {

struct Status {
  int err = 0;          // errno, or 0 for a failure that has none
  std::string message;  // empty when ok

  bool ok() const { return message.empty(); }
  explicit operator bool() const { return ok(); }

  static Status success() { return {}; }
  // "what: strerror(errno)" with the current errno.
  static Status from_errno(const std::string& what);
  static Status from_errno(int err, const std::string& what);
  static Status failure(std::string message, int err = 0) { return {err, std::move(message)}; }
};

}  // namespace ringfence
