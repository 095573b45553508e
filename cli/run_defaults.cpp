#include "run_defaults.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include <fmt/core.h>

#include "ringfence/audit/log.h"

namespace ringfence::cli {

std::string random_sandbox_name() {
  unsigned char bytes[6];
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) return fmt::format("rf-{}", getpid());
  std::string name = "rf-";
  for (unsigned char b : bytes) name += fmt::format("{:02x}", b);
  return name;
}

std::string default_audit_log() {
  if (geteuid() == 0) return audit::kDefaultLogPath;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string(state) + "/ringfence/audit.jsonl";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.local/state/ringfence/audit.jsonl";
  return "/tmp/ringfence-" + std::to_string(geteuid()) + "/audit.jsonl";
}

bool joined_other_pid_namespace() {
  char mine[64] = {}, children[64] = {};
  if (readlink("/proc/self/ns/pid", mine, sizeof mine - 1) < 0) return false;
  if (readlink("/proc/self/ns/pid_for_children", children, sizeof children - 1) < 0) return false;
  return std::string_view(mine) != std::string_view(children);
}

}  // namespace ringfence::cli
