#include "sandbox_ref.h"

#include <poll.h>
#include <signal.h>
#include <string.h>

#include <cctype>
#include <filesystem>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/runtime/private_dir.h"

namespace ringfence::cli {

bool usable_name(const std::string& name) {
  const Status st = runtime::check_name(name);
  if (!st) fmt::print(stderr, "ringfence: {}\n", st.message);
  return st.ok();
}

std::optional<std::string> state_root(const GlobalOptions& global, const std::string& given) {
  const std::string& root = given.empty() ? global.state_root : given;
  if (!root.empty()) {
    std::error_code ec;
    auto path = std::filesystem::weakly_canonical(std::filesystem::absolute(root, ec), ec);
    return ec ? root : path.string();
  }
  auto found = runtime::default_state_root();
  if (!found) {
    fmt::print(stderr, "ringfence: {}\n", found.status().message);
    return std::nullopt;
  }
  return std::move(*found);
}

std::variant<NamedSandbox, int> find_sandbox(const GlobalOptions& global, const std::string& name) {
  if (!usable_name(name)) return kExitUsage;
  const auto root = state_root(global);
  if (!root) return kExitRuntimeError;
  auto state = runtime::read_state(*root, name);
  if (!state) {
    fmt::print(stderr, "ringfence: {}\n", state.status().message);
    return kExitInvalid;
  }
  return NamedSandbox{*root, std::move(*state)};
}

Fd open_init(const runtime::SandboxState& state) {
  if (!runtime::same_process(state.pid, state.pid_start_time)) return {};
  Fd fd(enforcer::pidfd_open_process(state.pid));
  // Checked again once the pidfd exists: from now on it can only ever mean
  // this process, even if the pid is reused.
  if (!fd.valid() || !runtime::same_process(state.pid, state.pid_start_time)) return {};
  return fd;
}

std::optional<int> parse_signal(const std::string& text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    try {
      const int n = std::stoi(text);
      if (n > 0 && n < NSIG) return n;
    } catch (...) {
    }
    return std::nullopt;
  }
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  return std::nullopt;
}

bool wait_exit(int pidfd, int seconds) {
  pollfd p{pidfd, POLLIN, 0};
  return poll(&p, 1, seconds * 1000) == 1;
}

}  // namespace ringfence::cli
