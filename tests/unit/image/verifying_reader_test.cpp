// The digest-verifying reader: a blob is accepted only when its bytes hash
// to the digest and its length to the size its descriptor names.
#include "ringfence/image/verifying_reader.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "ringfence/base/fd.h"
#include "ringfence/image/digest.h"

namespace ringfence::image {
namespace {

// sha256("hello\n"), as sha256sum prints it.
constexpr const char* kHelloDigest = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

Fd blob(const std::string& content) {
  Fd fd(memfd_create("blob", MFD_CLOEXEC));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(write(fd.get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

Digest hello() { return parse_digest(kHelloDigest).value(); }

TEST(ImageDigest, ParsesOnlyStrictSha256) {
  EXPECT_TRUE(parse_digest(kHelloDigest).ok());
  EXPECT_FALSE(parse_digest("sha512:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03").ok());
  EXPECT_FALSE(parse_digest("sha256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03").ok());
  EXPECT_FALSE(parse_digest("sha256:5891b5b5").ok());
  // A digest becomes a file name in the store: no path characters.
  EXPECT_FALSE(parse_digest("sha256:../../../../../../../../../../../../../../../../../../../../etcx").ok());
  EXPECT_FALSE(parse_digest("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03").ok());
}

TEST(ImageDigest, HashesIncrementally) {
  Sha256 h;
  h.update("hel", 3);
  h.update("lo\n", 3);
  EXPECT_EQ(h.finish().text(), kHelloDigest);
}

TEST(ImageVerifyingReader, AcceptsTheNamedBlobReadInOnePass) {
  Fd fd = blob("hello\n");
  VerifyingReader reader(fd.get(), hello(), 6, "test blob");
  char buf[2];
  std::string seen;
  ssize_t n;
  while ((n = reader.read(buf, sizeof buf)) > 0) seen.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(n, 0);
  EXPECT_EQ(seen, "hello\n");
  EXPECT_TRUE(reader.finish().ok()) << reader.status().message;
}

TEST(ImageVerifyingReader, HashesWhatTheConsumerLeftUnread) {
  // A tar reader stops at the end-of-archive blocks; the rest still counts.
  Fd fd = blob("hello\n");
  VerifyingReader reader(fd.get(), hello(), 6, "test blob");
  char buf[2];
  ASSERT_EQ(reader.read(buf, sizeof buf), 2);
  EXPECT_TRUE(reader.finish().ok()) << reader.status().message;
  EXPECT_EQ(reader.bytes_read(), 6);
}

TEST(ImageVerifyingReader, RejectsAWrongDigestNamingBoth) {
  Fd fd = blob("hellO\n");
  VerifyingReader reader(fd.get(), hello(), 6, "layer 1");
  const Status s = reader.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message.find("digest mismatch"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find(kHelloDigest), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("layer 1"), std::string::npos) << s.message;
}

TEST(ImageVerifyingReader, RejectsATruncatedBlob) {
  Fd fd = blob("hello");
  VerifyingReader reader(fd.get(), hello(), 6, "layer 1");
  const Status s = reader.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message.find("truncated"), std::string::npos) << s.message;
}

TEST(ImageVerifyingReader, RejectsABlobLongerThanItsDescriptor) {
  // The first 6 bytes are the right ones; the extra byte is caught as it is
  // read, before a consumer could act on it.
  Fd fd = blob("hello\nX");
  VerifyingReader reader(fd.get(), hello(), 6, "layer 1");
  char buf[16];
  EXPECT_EQ(reader.read(buf, sizeof buf), -1);
  EXPECT_FALSE(reader.finish().ok());
}

TEST(ImageVerifyingReader, WithoutASizeOnlyTheDigestDecides) {
  Fd good = blob("hello\n");
  EXPECT_TRUE(VerifyingReader(good.get(), hello(), -1, "config").finish().ok());
  Fd bad = blob("hello");
  EXPECT_FALSE(VerifyingReader(bad.get(), hello(), -1, "config").finish().ok());
}

}  // namespace
}  // namespace ringfence::image
