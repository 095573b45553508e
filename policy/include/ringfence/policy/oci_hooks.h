// A bundle's hooks (runtime-spec config.md, "POSIX-platform Hooks"), on
// their own: the OCI runtime's state keeps those that run after `create`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ringfence::policy {

struct OciHook {
  std::string path;
  std::vector<std::string> args, env;
  std::optional<int> timeout;  // seconds
};

struct OciHooks {
  std::vector<OciHook> prestart, create_runtime, create_container, start_container, poststart, poststop;
  bool empty() const {
    return prestart.empty() && create_runtime.empty() && create_container.empty() && start_container.empty() &&
           poststart.empty() && poststop.empty();
  }
};

}  // namespace ringfence::policy
