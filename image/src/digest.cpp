#include "ringfence/image/digest.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include <new>

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

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    throw std::bad_alloc();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size);
}

Digest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &length);
  static constexpr char digits[] = "0123456789abcdef";
  Digest d;
  d.hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    d.hex += digits[md[i] >> 4];
    d.hex += digits[md[i] & 0xf];
  }
  return d;
}

}  // namespace ringfence::image
