// The setuid, setgid and file-capability regular files of a tree: the
// `find / -perm /6000` done once at import instead of at every start, and
// again by `image harden` before and after it strips them. Symlinks are
// never followed; directories are opened by descriptor, one level at a time.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "ringfence/base/status.h"
#include "ringfence/image/layer_apply.h"

namespace ringfence::image {

struct FoundFile {
  PrivilegedFile file;  // path absolute inside the tree ("/usr/bin/su")
  dev_t dev = 0;
  ino_t ino = 0;  // two paths to one inode are one file to strip
};

// Appends what it finds under the directory `root_fd` to `out`, in walk
// order; `tick`, if given, is called for every entry (for progress).
Status find_privileged(int root_fd, std::vector<FoundFile>& out, const std::function<void()>& tick = {});

// What was stripped no longer shows in a walk: adds to `out` each entry of
// `stripped` (the first one of a path wins) that is still a regular file of
// the tree and not listed yet, then sorts `out` by path.
void add_still_stripped(int root_fd, const std::vector<PrivilegedFile>& stripped, std::vector<PrivilegedFile>& out);

}  // namespace ringfence::image
