// An OCI content digest, "sha256:<64 lower-case hex>" — the only algorithm
// ringfence accepts (OCI image-spec, descriptor.md: sha512 is allowed but
// no image tool writes it). A digest is a name that later becomes a file
// name in the store, so parsing is strict: no upper case, no other length.
#pragma once

#include <string>
#include <string_view>

#include "ringfence/base/result.h"

namespace ringfence::image {

struct Digest {
  std::string hex;  // 64 lower-case hex digits

  std::string text() const { return "sha256:" + hex; }
  bool operator==(const Digest&) const = default;
};

// "sha256:..." → Digest; anything else is an error naming what was given.
Result<Digest> parse_digest(std::string_view text);

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  // The digest of everything given to update; the hasher is spent afterwards.
  Digest finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

}  // namespace ringfence::image
