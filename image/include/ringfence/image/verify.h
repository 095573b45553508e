// What image.verify checks before a sandbox starts on an image's tree.
//
// What is re-hashed at every start, and what is trusted:
// - re-hashed: the config blob, whose digest is the image ID a profile pins;
//   the layer chain is recomputed from its diff_ids and must lead to the
//   tree the sandbox is about to stand on.
// - trusted: the tree's files. They were written by `image import` only
//   after their layer's diff_id matched, into a store that only root can
//   write (mode 0700, checked when opened), and nothing writes into them
//   afterwards (sandboxes get an overlay). Re-hashing them would mean
//   reading the whole image at every start.
#pragma once

#include <string>

#include "ringfence/base/status.h"

namespace ringfence::image {

// `id` ("sha256:...") is the image in `store_root` whose tree is `rootfs`.
Status verify_image_root(const std::string& store_root, const std::string& id, const std::string& rootfs);

}  // namespace ringfence::image
