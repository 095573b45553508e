// `ringfence image import`: an OCI image layout or docker-archive (a
// directory or its tar) into the store. One pass over each blob: it is
// hashed while it is read and unpacked, and nothing is kept unless every
// digest matched — the manifest's, the config's and each layer's diff_id,
// which the config (whose digest is the image ID) pins.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ringfence/base/result.h"
#include "ringfence/image/layer_apply.h"
#include "ringfence/image/store.h"

namespace ringfence::image {

struct ImportProgress {
  int layer = 0, layers = 0;   // 1-based; layer 0: before the first
  std::uint64_t bytes = 0;     // of this layer's blob, read so far
  std::int64_t total = -1;     // its size
  bool reused = false;         // already in the store: not read at all
};

struct ImportOptions {
  std::string name;     // which image of an archive holding several; the name it gets
  UnpackPolicy unpack;  // the [suid] policy, limits, special files
  std::function<void(const ImportProgress&)> progress;  // called as blobs are read
};

struct ImportResult {
  ImageRecord record;
  int layers_unpacked = 0, layers_reused = 0;
};

Result<ImportResult> import_image(const Store& store, const std::string& path, const ImportOptions& options);

// The key of a layer chain's tree: the chain ID's hex, or — when setuid bits
// are stripped at import — a digest of the chain and that policy, so that a
// stripped tree never stands in for the image as it was.
std::string tree_key(const Digest& chain, const UnpackPolicy& policy);

}  // namespace ringfence::image
