// SHA-256 and HMAC-SHA-256: the plan's hash, the audit chain, its seals,
// the seccomp cache key, image digests and harden's file hashes.
//
// Built on libcrypto's SHA-256 block functions alone, linked statically
// (the top-level CMakeLists.txt says why): they need no provider, no
// configuration and no symbol lookups at start. EVP would fetch SHA-256
// from OpenSSL 3's default provider on the first digest of every process
// (0.7-1 ms, and about 1 MiB resident for a dynamically linked libcrypto).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringfence {

using Sha256Digest = std::array<unsigned char, 32>;

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest of everything given to update; the hasher starts over after.
  Sha256Digest finish();

 private:
  // libcrypto's SHA256_CTX (112 bytes), kept opaque so that including this
  // header does not bring OpenSSL's deprecated declarations along.
  static constexpr std::size_t kStateSize = 112;
  alignas(8) unsigned char ctx_[kStateSize];
};

Sha256Digest sha256(std::string_view data);
// Lower-case hex, two digits a byte.
std::string hex(const unsigned char* data, std::size_t size);
inline std::string hex(const Sha256Digest& d) { return hex(d.data(), d.size()); }
inline std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

// HMAC-SHA-256 (RFC 2104). libcrypto's HMAC goes through EVP (above);
// this is the RFC's two nested hashes over the same block functions, held
// to RFC 4231's test vectors (tests/unit/base/sha256_test.cpp).
Sha256Digest hmac_sha256(const unsigned char* key, std::size_t key_size, std::string_view message);

// Overwrites `size` bytes in a way the compiler may not drop.
void wipe(void* data, std::size_t size);

}  // namespace ringfence
