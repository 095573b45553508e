#include "ringfence/image/verifying_reader.h"

#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>

namespace ringfence::image {

VerifyingReader::VerifyingReader(int fd, Digest expected, std::int64_t expected_size, std::string what)
    : VerifyingReader(
          [fd](void* buf, std::size_t size) {
            for (;;) {
              const ssize_t n = ::read(fd, buf, size);
              if (n >= 0 || errno != EINTR) return n;
            }
          },
          std::move(expected), expected_size, std::move(what)) {}

VerifyingReader::VerifyingReader(ByteSource raw, Digest expected, std::int64_t expected_size, std::string what)
    : raw_(std::move(raw)), expected_(std::move(expected)), expected_size_(expected_size), what_(std::move(what)) {}

ssize_t VerifyingReader::read(void* buf, std::size_t size) {
  if (!status_.ok()) return -1;
  const ssize_t n = raw_(buf, size);
  if (n < 0) {
    status_ = Status::from_errno(fmt::format("reading {}", what_));
    return -1;
  }
  hash_.update(buf, static_cast<std::size_t>(n));
  read_ += n;
  if (expected_size_ >= 0 && read_ > expected_size_) {
    status_ = Status::failure(
        fmt::format("{}: longer than its descriptor's {} bytes: not the blob {} names", what_, expected_size_,
                    expected_.text()),
        EBADMSG);
    return -1;
  }
  return n;
}

Status VerifyingReader::finish() {
  if (finished_) return status_;
  finished_ = true;
  char buf[65536];
  while (status_.ok()) {
    const ssize_t n = read(buf, sizeof buf);
    if (n <= 0) break;
  }
  if (!status_.ok()) return status_;
  if (expected_size_ >= 0 && read_ != expected_size_) {
    status_ = Status::failure(fmt::format("{}: {} bytes, its descriptor says {}: truncated", what_, read_,
                                          expected_size_),
                              EBADMSG);
    return status_;
  }
  const Digest got = hash_.finish();
  if (got != expected_) {
    status_ = Status::failure(
        fmt::format("{}: digest mismatch: expected {}, content is {}", what_, expected_.text(), got.text()),
        EBADMSG);
  }
  return status_;
}

}  // namespace ringfence::image
