// Reads a blob exactly once, hashing every byte it hands on, and says at the
// end whether the blob was the one its descriptor named: the right size and
// the right sha256. The consumer (a JSON parser, the layer applier) reads
// through it, so a blob is hashed and used in the same pass; nothing it
// produced may be kept unless finish() succeeds.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "ringfence/base/status.h"
#include "ringfence/image/byte_source.h"
#include "ringfence/image/digest.h"

namespace ringfence::image {

class VerifyingReader {
 public:
  // fd: the blob, read from its current offset; expected_size: the
  // descriptor's size, or -1 when the format gives none (docker-archive).
  // what: how errors name the blob ("layer 2 of busybox:latest").
  VerifyingReader(int fd, Digest expected, std::int64_t expected_size, std::string what);
  // The same over any source (a span of an archive).
  VerifyingReader(ByteSource raw, Digest expected, std::int64_t expected_size, std::string what);

  // Like read(2): bytes read (0 at the end) or -1 with the error in status().
  // Reading past expected_size is an error: a blob longer than its
  // descriptor says is not the blob it names.
  ssize_t read(void* buf, std::size_t size);
  // After the consumer is done: reads what it left (a tar's padding), then
  // checks size and digest. Fails on a short (truncated) blob, a long one,
  // or a digest mismatch, naming both digests.
  Status finish();

  std::int64_t bytes_read() const { return read_; }
  const Status& status() const { return status_; }
  // This reader as a source for the next stage (the layer applier).
  ByteSource source() {
    return [this](void* buf, std::size_t size) { return read(buf, size); };
  }

 private:
  ByteSource raw_;
  Digest expected_;
  std::int64_t expected_size_;
  std::string what_;
  Sha256 hash_;
  std::int64_t read_ = 0;
  Status status_;
  bool finished_ = false;
};

}  // namespace ringfence::image
