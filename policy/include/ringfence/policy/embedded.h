// Files compiled into the binary (see cmake/EmbedFiles.cmake).
#pragma once

#include <span>
#include <string_view>

namespace ringfence::policy {

struct EmbeddedFile {
  std::string_view path;  // relative to the source tree: "profiles/default.toml"
  std::string_view text;
};

// Generated at build time from profiles/.
std::span<const EmbeddedFile> embedded_profiles();

}  // namespace ringfence::policy
