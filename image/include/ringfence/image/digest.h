// An OCI content digest, "sha256:<64 lower-case hex>" — the only algorithm
// ringfence accepts (OCI image-spec, descriptor.md: sha512 is allowed but
// no image tool writes it). A digest is a name that later becomes a file
// name in the store, so parsing is strict: no upper case, no other length.
#pragma once

#include <string>
#include <string_view>

#include "ringfence/base/result.h"
#include "ringfence/base/sha256.h"

namespace ringfence::image {

struct Digest {
  std::string hex;  // 64 lower-case hex digits

  std::string text() const { return "sha256:" + hex; }
  bool operator==(const Digest&) const = default;
};

// "sha256:..." → Digest; anything else is an error naming what was given.
Result<Digest> parse_digest(std::string_view text);

// Incremental SHA-256 (base/sha256.h), ending in a content digest.
class Sha256 {
 public:
  void update(const void* data, std::size_t size) { hash_.update(data, size); }
  // The digest of everything given to update; the hasher is spent afterwards.
  Digest finish() { return Digest{hex(hash_.finish())}; }

 private:
  ringfence::Sha256 hash_;
};

}  // namespace ringfence::image
