// Whole-tree operations on the store's trees, all by descriptor (no path is
// joined and followed): a new chain's tree starts as a copy of its parent's
// in which every regular file is a hard link (removal: tree_ops.h).
#pragma once

#include <string>

#include "ringfence/base/status.h"

namespace ringfence::image {

// Recreates the tree under `from` inside the empty directory `to`:
// directories and symlinks are made anew (owner, mode, times), regular
// files are hard-linked.
Status link_tree(int from, int to);

}  // namespace ringfence::image
