// SHA-256 and HMAC-SHA-256 against published answers, not against another
// call of the same code: FIPS 180-2's examples and RFC 4231's HMAC-SHA-256
// test cases (section 4; case 5, a truncated MAC, is not one ringfence
// makes). Case 6 and 7 use a 131-byte key, longer than a block, which HMAC
// hashes first.
#include "ringfence/base/sha256.h"

#include <string>

#include <gtest/gtest.h>

namespace ringfence {
namespace {

std::string bytes(std::size_t n, unsigned char c) { return std::string(n, static_cast<char>(c)); }

std::string mac_hex(const std::string& key, const std::string& data) {
  return hex(hmac_sha256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), data));
}

TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a's, fed in uneven pieces: the incremental path.
  Sha256 h;
  const std::string piece = bytes(997, 'a');
  std::size_t left = 1000000;
  while (left > 0) {
    const std::size_t n = std::min(left, piece.size());
    h.update(piece.data(), n);
    left -= n;
  }
  EXPECT_EQ(hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // finish() starts the hasher over.
  h.update("abc");
  EXPECT_EQ(hex(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacSha256, Rfc4231TestCases) {
  EXPECT_EQ(mac_hex(bytes(20, 0x0b), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(mac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(mac_hex(bytes(20, 0xaa), bytes(50, 0xdd)),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string key4;
  for (int i = 1; i <= 25; ++i) key4 += static_cast<char>(i);
  EXPECT_EQ(mac_hex(key4, bytes(50, 0xcd)), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(mac_hex(bytes(131, 0xaa), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(mac_hex(bytes(131, 0xaa),
                    "This is a test using a larger than block-size key and a larger than block-size data. The key "
                    "needs to be hashed before being used by the HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// A key of exactly one block is used as it is, not hashed (the boundary
// between cases 1-4 and 6-7). Answer from python3's hmac module:
//   hmac.new(b'\x42' * 64, b'block', hashlib.sha256).hexdigest()
TEST(HmacSha256, AKeyOfExactlyOneBlockIsNotHashed) {
  EXPECT_EQ(mac_hex(bytes(64, 0x42), "block"), "d0872612ed5c12fc5e68284a4272c6e452c08b0b037d648b4def52fa4aefb52f");
}

}  // namespace
}  // namespace ringfence
