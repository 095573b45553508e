#include "layer_stream.h"

#include <cerrno>
#include <cstring>
#include <exception>

#include <fmt/format.h>

namespace ringfence::image::detail {

LayerStream::LayerStream(const ByteSource& source) : source_(source), buffer_(kChunk, '\0') {}

LayerStream::~LayerStream() {
  if (inner_ != nullptr) la::archive_read_free(inner_);
  if (outer_ != nullptr) la::archive_read_free(outer_);
}

la_ssize_t LayerStream::read_source(archive* a, void* self, const void** buffer) {
  auto* s = static_cast<LayerStream*>(self);
  // libarchive is C: nothing may be thrown through it.
  try {
    errno = 0;
    const ssize_t n = s->source_(s->buffer_.data(), s->buffer_.size());
    if (n < 0 || static_cast<std::size_t>(n) > s->buffer_.size()) {
      s->source_errno_ = errno != 0 ? errno : EIO;
      s->source_error_ = n < 0 ? fmt::format("reading the layer failed: {}", std::strerror(s->source_errno_))
                               : std::string("the layer's source returned more bytes than asked for");
      la::archive_set_error(a, s->source_errno_, "%s", s->source_error_.c_str());
      return -1;
    }
    *buffer = s->buffer_.data();
    return n;
  } catch (const std::exception& e) {
    s->source_errno_ = EIO;
    s->source_error_ = fmt::format("reading the layer failed: {}", e.what());
  } catch (...) {
    s->source_errno_ = EIO;
    s->source_error_ = "reading the layer failed";
  }
  la::archive_set_error(a, EIO, "%s", "the layer's source failed");
  return -1;
}

la_ssize_t LayerStream::read_uncompressed(archive* a, void* self, const void** buffer) {
  auto* s = static_cast<LayerStream*>(self);
  while (!s->outer_done_) {
    std::size_t size = 0;
    la_int64_t offset = 0;
    const int r = la::archive_read_data_block(s->outer_, buffer, &size, &offset);
    if (r == ARCHIVE_EOF) {
      s->outer_done_ = true;
      break;
    }
    if (r != ARCHIVE_OK) {
      const char* message = la::archive_error_string(s->outer_);
      la::archive_set_error(a, la::archive_errno(s->outer_) != 0 ? la::archive_errno(s->outer_) : EBADMSG, "%s",
                        message != nullptr ? message : "decompressing the layer failed");
      return -1;
    }
    if (size == 0) continue;  // 0 would tell the tar reader the stream ended
    s->hash_.update(*buffer, size);
    return static_cast<la_ssize_t>(size);
  }
  return 0;
}

Status LayerStream::error(archive* a) const {
  if (!source_error_.empty()) return Status::failure(source_error_, source_errno_);
  const char* message = la::archive_error_string(a);
  const int err = la::archive_errno(a);
  return Status::failure(message != nullptr ? message : "the layer is corrupt", err > 0 ? err : EBADMSG);
}

Status LayerStream::open() {
  if (Status st = la::load(); !st) return st;
  outer_ = la::archive_read_new();
  inner_ = la::archive_read_new();
  if (outer_ == nullptr || inner_ == nullptr) return Status::failure("out of memory", ENOMEM);
  // gzip and zstd only, in-process: archive_read_support_filter_all would
  // also accept formats that libarchive decodes by running an external
  // program (lzop, grzip, lrzip) on hostile bytes. An uncompressed layer
  // needs no filter.
  if (la::archive_read_support_filter_gzip(outer_) != ARCHIVE_OK ||
      la::archive_read_support_filter_zstd(outer_) != ARCHIVE_OK) {
    return Status::failure("libarchive cannot decompress gzip and zstd in-process", ENOTSUP);
  }
  // "empty" on both: zero bytes are a layer that adds nothing, not a
  // format to guess.
  if (la::archive_read_support_format_raw(outer_) != ARCHIVE_OK ||
      la::archive_read_support_format_empty(outer_) != ARCHIVE_OK) {
    return error(outer_);
  }
  if (la::archive_read_support_format_tar(inner_) != ARCHIVE_OK ||
      la::archive_read_support_format_empty(inner_) != ARCHIVE_OK) {
    return error(inner_);
  }
  if (la::archive_read_open(outer_, this, nullptr, &LayerStream::read_source, nullptr) != ARCHIVE_OK) {
    return error(outer_);
  }
  archive_entry* raw = nullptr;
  const int r = la::archive_read_next_header(outer_, &raw);
  if (r == ARCHIVE_EOF) outer_done_ = true;
  else if (r != ARCHIVE_OK) return error(outer_);
  if (la::archive_read_open(inner_, this, nullptr, &LayerStream::read_uncompressed, nullptr) != ARCHIVE_OK) {
    return error(inner_);
  }
  return Status::success();
}

Result<archive_entry*> LayerStream::next() {
  archive_entry* entry = nullptr;
  const int r = la::archive_read_next_header(inner_, &entry);
  if (r == ARCHIVE_EOF) return static_cast<archive_entry*>(nullptr);
  // ARCHIVE_WARN: the entry is usable (a name libarchive could not convert
  // to the locale's character set is still given as bytes).
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return error(inner_);
  return entry;
}

Result<Digest> LayerStream::finish() {
  while (!outer_done_) {
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    const int r = la::archive_read_data_block(outer_, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return error(outer_);
    hash_.update(block, size);
  }
  outer_done_ = true;
  // Insurance: a source error libarchive swallowed (while bidding, say)
  // still means the bytes hashed are not the whole layer.
  if (!source_error_.empty()) return Status::failure(source_error_, source_errno_);
  return hash_.finish();
}

}  // namespace ringfence::image::detail
