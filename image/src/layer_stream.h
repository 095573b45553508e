// A layer's tar entries, read in one pass that also hashes the uncompressed
// tar (the layer's diff_id). Two libarchive readers are chained: the outer
// one (format "raw", filters gzip and zstd) turns the source's bytes into
// the uncompressed stream, which it hands out as its single entry's data;
// the inner one (format tar) reads that stream through a callback that
// hashes every byte it passes on. libarchive's own tar reader with its
// filters could not give the uncompressed bytes to a hash.
#pragma once

#include <string>

#include "ringfence/base/result.h"
#include "ringfence/image/digest.h"
#include "ringfence/image/layer_apply.h"
#include "libarchive.h"

namespace ringfence::image::detail {

class LayerStream {
 public:
  explicit LayerStream(const ByteSource& source);
  ~LayerStream();
  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  // Sets both readers up and reads the start of the stream (to tell which
  // compression it has). The error is the reason alone.
  Status open();
  // The next entry, or nullptr at the end of the tar; an error (a corrupt or
  // truncated stream, the source failing) is the reason alone.
  Result<archive_entry*> next();
  // The reader the current entry's data is read from (archive_read_data_block).
  archive* tar() { return inner_; }
  // Why the last libarchive call on tar() failed: the source's error when
  // the source failed, else libarchive's message.
  Status error(archive* a) const;
  // After next() returned nullptr: hashes what the tar reader left (the
  // zero blocks and padding after the end-of-archive marker) and returns the
  // sha256 of the whole uncompressed stream.
  Result<Digest> finish();

 private:
  static la_ssize_t read_source(archive* a, void* self, const void** buffer);
  static la_ssize_t read_uncompressed(archive* a, void* self, const void** buffer);

  const ByteSource& source_;
  archive* outer_ = nullptr;
  archive* inner_ = nullptr;
  Sha256 hash_;
  bool outer_done_ = false;  // the outer reader reached the end of its data
  std::string source_error_;  // set when the source failed or threw
  int source_errno_ = 0;
  static constexpr std::size_t kChunk = 128 * 1024;
  std::string buffer_;
};

}  // namespace ringfence::image::detail
