#include "ringfence/image/digest.h"

#include <fmt/format.h>

namespace ringfence::image {

Result<Digest> parse_digest(std::string_view text) {
  constexpr std::string_view prefix = "sha256:";
  if (text.substr(0, prefix.size()) != prefix) {
    return Status::failure(fmt::format("digest '{}': only sha256:<64 hex digits> is supported", text), EINVAL);
  }
  const std::string_view hex = text.substr(prefix.size());
  if (hex.size() != 64) {
    return Status::failure(fmt::format("digest '{}': {} hex digits, not 64", text, hex.size()), EINVAL);
  }
  for (const char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Status::failure(fmt::format("digest '{}': not lower-case hex", text), EINVAL);
    }
  }
  return Digest{std::string(hex)};
}

}  // namespace ringfence::image
