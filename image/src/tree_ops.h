// File-system operations on an image tree, all relative to the tree's
// directory descriptor. Paths are resolved with openat2 RESOLVE_IN_ROOT, so
// an absolute symlink or a ".." inside the tree stays inside it; the last
// component is handled by the caller with *at() calls that never follow it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::image::detail {

// openat2(tree_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS),
// retried on the EAGAIN a concurrent mount or rename causes. -1 and errno
// on failure.
int open_in_tree(int tree_fd, const std::string& path, int flags);

// The directory `relative` ("usr/bin", "" for the root) as an O_PATH
// descriptor, making the directories that do not exist yet (0755, owned by
// the caller): tars often leave out the entries of parent directories.
// `made` is called with the relative path of each directory it makes.
Result<Fd> open_parent_dir(int tree_fd, const std::string& relative,
                           const std::function<void(const std::string&)>& made);

// The names in the directory `dir_fd` (not . and ..), all of them whatever
// was read of `dir_fd` before: it is opened again (".") for the listing.
Result<std::vector<std::string>> list_dir(int dir_fd);

// Removes `name` in `dir_fd`: a file, a symlink (not what it points to) or a
// whole directory tree. ENOENT is success.
Status remove_tree(int dir_fd, const std::string& name);

// For whiteouts, which hide only what lower layers made: what the layer
// being applied made itself, by the relative path ("usr/bin/su").
enum class Made {
  none,  // nothing under this path: remove it whole
  self,  // made by this layer: keep it (a directory: its lower children still go)
  below, // something below it was: keep the directory, sort its children
};
using MadeFn = std::function<Made(const std::string& relative)>;

// Removes `name` in `dir_fd` (at `relative` in the tree), sparing what
// `made` says this layer made. `removed` gets the relative path of each
// thing removed whole.
Status remove_lower(int dir_fd, const std::string& name, const std::string& relative, const MadeFn& made,
                    const std::function<void(const std::string&)>& removed);

// remove_lower for each child of the directory `dir_fd` (at `relative`):
// an opaque whiteout.
Status remove_lower_children(int dir_fd, const std::string& relative, const MadeFn& made,
                             const std::function<void(const std::string&)>& removed);

}  // namespace ringfence::image::detail
