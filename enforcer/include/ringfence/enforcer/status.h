// What an enforcement function returns: success, or an errno and a sentence
// saying what was being done. The runtime sends it to the parent over the
// sync socket, which prints "ringfence: step 'NAME' failed: MESSAGE".
#pragma once

#include <cerrno>
#include <string>

namespace ringfence::enforcer {

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

}  // namespace ringfence::enforcer
