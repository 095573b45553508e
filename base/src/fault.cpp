#include "ringfence/base/fault.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace ringfence::fault {

#ifdef RINGFENCE_FAULT_INJECTION
namespace {

// The errnos a test may ask for, by name (an unknown name is EIO: the test
// then sees a failure it did not ask for, never a call that silently runs).
int errno_named(std::string_view name) {
  static const std::map<std::string_view, int> names = {
      {"ENOMEM", ENOMEM}, {"EMFILE", EMFILE}, {"ENFILE", ENFILE}, {"EAGAIN", EAGAIN}, {"EIO", EIO},
      {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EPERM", EPERM},   {"EACCES", EACCES}, {"EROFS", EROFS},
      {"EINTR", EINTR},   {"ENOSYS", ENOSYS}, {"EINVAL", EINVAL}, {"EFBIG", EFBIG},   {"ENOENT", ENOENT}};
  const auto it = names.find(name);
  return it == names.end() ? EIO : it->second;
}

// The rule of RINGFENCE_FAIL_SYSCALL for `call`: its errno and which uses
// fail; errno 0 when the variable does not name it.
struct Rule {
  int err = 0;
  unsigned long from = 1;
  unsigned long to = static_cast<unsigned long>(-1);
};

Rule rule_for(std::string_view call) {
  const char* spec = std::getenv("RINGFENCE_FAIL_SYSCALL");
  if (spec == nullptr) return {};
  std::string_view rest(spec);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos || item.substr(0, colon) != call) continue;
    std::string_view err = item.substr(colon + 1);
    Rule r;
    if (const auto at = err.find('@'); at != std::string_view::npos) {
      const std::string uses(err.substr(at + 1));
      char* end = nullptr;
      r.from = std::strtoul(uses.c_str(), &end, 10);
      if (*end == '-') r.to = std::strtoul(end + 1, nullptr, 10);
      err = err.substr(0, at);
    }
    r.err = errno_named(err);
    return r;
  }
  return {};
}

}  // namespace

bool enabled() { return true; }

bool named(const char* variable, std::string_view value) {
  const char* set = std::getenv(variable);
  return set != nullptr && value == set;
}

void kill_point(std::string_view point) {
  if (named("RINGFENCE_KILL_AT", point)) kill(getpid(), SIGKILL);
}

int injected_errno(std::string_view call) {
  // Counted per call name; read once per use, so that a test's variable is
  // all there is to it.
  static std::map<std::string, unsigned long, std::less<>> uses;
  const Rule r = rule_for(call);
  if (r.err == 0) return 0;
  auto it = uses.find(call);
  if (it == uses.end()) it = uses.emplace(std::string(call), 0).first;
  ++it->second;
  return it->second >= r.from && it->second <= r.to ? r.err : 0;
}
#else
bool enabled() { return false; }
bool named(const char*, std::string_view) { return false; }
void kill_point(std::string_view) {}
int injected_errno(std::string_view) { return 0; }
#endif

}  // namespace ringfence::fault
