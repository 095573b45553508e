#include "ringfence/base/sha256.h"

#include <string.h>

// SHA256_Init/Update/Final: deprecated in OpenSSL 3 in favour of EVP, but
// kept by it, and free of EVP's provider (sha256.h says why that matters).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace ringfence {

namespace {
SHA256_CTX* ctx_of(unsigned char* storage) { return reinterpret_cast<SHA256_CTX*>(storage); }
constexpr std::size_t kBlock = 64;  // SHA-256's block size, HMAC's B
}  // namespace

Sha256::Sha256() {
  static_assert(sizeof(SHA256_CTX) <= kStateSize && alignof(SHA256_CTX) <= 8, "Sha256::ctx_ cannot hold a SHA256_CTX");
  SHA256_Init(ctx_of(ctx_));
}

Sha256::~Sha256() { wipe(ctx_, sizeof ctx_); }

void Sha256::update(const void* data, std::size_t size) { SHA256_Update(ctx_of(ctx_), data, size); }

Sha256Digest Sha256::finish() {
  Sha256Digest d{};
  SHA256_Final(d.data(), ctx_of(ctx_));
  SHA256_Init(ctx_of(ctx_));
  return d;
}

Sha256Digest sha256(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

Sha256Digest hmac_sha256(const unsigned char* key, std::size_t key_size, std::string_view message) {
  // K0: the key, hashed first when longer than a block, padded with zeros.
  unsigned char k0[kBlock] = {};
  if (key_size > kBlock) {
    Sha256 h;
    h.update(key, key_size);
    const Sha256Digest hashed = h.finish();
    memcpy(k0, hashed.data(), hashed.size());
  } else if (key_size > 0) {
    memcpy(k0, key, key_size);
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k0[i] ^ 0x36;
  Sha256 inner;
  inner.update(pad, kBlock);
  inner.update(message);
  Sha256Digest inner_digest = inner.finish();
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k0[i] ^ 0x5c;
  Sha256 outer;
  outer.update(pad, kBlock);
  outer.update(inner_digest.data(), inner_digest.size());
  const Sha256Digest mac = outer.finish();
  wipe(k0, sizeof k0);
  wipe(pad, sizeof pad);
  wipe(inner_digest.data(), inner_digest.size());
  return mac;
}

void wipe(void* data, std::size_t size) { explicit_bzero(data, size); }

}  // namespace ringfence
