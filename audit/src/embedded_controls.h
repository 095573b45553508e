// audit/controls.toml, compiled into the binary (cmake/EmbedFiles.cmake).
#pragma once

#include <span>
#include <string_view>

#include "ringfence/policy/embedded.h"

namespace ringfence::policy {
std::span<const EmbeddedFile> embedded_controls();
}

namespace ringfence::audit {
inline std::string_view embedded_control_catalogue() {
  const auto files = policy::embedded_controls();
  return files.empty() ? std::string_view{} : files.front().text;
}
}  // namespace ringfence::audit
