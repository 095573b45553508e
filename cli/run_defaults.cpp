#include "run_defaults.h"

#include <sys/random.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <fmt/core.h>

#include "ringfence/audit/log.h"
#include "ringfence/runtime/private_dir.h"

namespace ringfence::cli {

std::string random_sandbox_name() {
  unsigned char bytes[6];
  if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) return fmt::format("rf-{}", getpid());
  std::string name = "rf-";
  for (unsigned char b : bytes) name += fmt::format("{:02x}", b);
  return name;
}

Result<std::string> default_audit_log() {
  using runtime::OthersMay;
  // Root's: the log must be out of reach of sandboxes and other users, so
  // its directory is root's and 0700 (the log itself is made 0600).
  if (geteuid() == 0) {
    const std::string dir = std::filesystem::path(audit::kDefaultLogPath).parent_path().string();
    if (auto checked = runtime::ensure_checked_dir(dir, 0700, OthersMay::Read, false); !checked)
      return checked.status();
    return std::string(audit::kDefaultLogPath);
  }
  // Relative values are ignored, as the XDG specification says.
  std::string dir;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && state[0] == '/')
    dir = std::string(state) + "/ringfence";
  else if (const char* home = std::getenv("HOME"); home && home[0] == '/')
    dir = std::string(home) + "/.local/state/ringfence";
  if (!dir.empty()) {
    if (auto checked = runtime::ensure_checked_dir(dir, 0700, OthersMay::Read, true); !checked)
      return checked.status();
    return dir + "/audit.jsonl";
  }
  // /tmp is shared: the directory must be the caller's and closed to others.
  dir = runtime::fallback_dir();
  if (auto checked = runtime::ensure_checked_dir(dir, 0700, OthersMay::Nothing, false); !checked) {
    Status st = checked.status();
    st.message +=
        ". Remove it (if it is not yours, ask an administrator), or set XDG_STATE_HOME or HOME, or give --audit-log";
    return st;
  }
  return dir + "/audit.jsonl";
}

std::optional<std::string> chosen_audit_log(const std::string& flag, const policy::Profile& profile) {
  if (!flag.empty()) return flag;
  if (profile.audit.log.is_set()) return profile.audit.log.value;
  auto log = default_audit_log();
  if (!log) {
    fmt::print(stderr, "ringfence: the audit log: {}\n", log.status().message);
    return std::nullopt;
  }
  return std::move(*log);
}

}  // namespace ringfence::cli
