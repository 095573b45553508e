// Thin wrappers over the fd-based mount API (fsopen/fsmount, open_tree,
// move_mount, mount_setattr): a mount is built detached, gets its flags,
// and only then appears at its target — there is no moment where it is
// visible with the wrong flags, and no path is looked up twice.
#pragma once

#include <sys/mount.h>

#include <string>
#include <utility>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::enforcer {

using FsOptions = std::vector<std::pair<std::string, std::string>>;  // key, value ("" = flag)

// A new, detached filesystem mount of `type` with `options` and MOUNT_ATTR_* `attrs`.
Result<Fd> make_fs_mount(const char* type, const FsOptions& options, unsigned attrs);

// A detached copy of the mount tree at `source_fd` (recursive or not) with
// MOUNT_ATTR_* `attrs` added.
Result<Fd> clone_mount(int source_fd, bool recursive, unsigned attrs);

// Attaches a detached mount onto the object `target_fd` refers to.
Status attach_mount(int mount_fd, int target_fd, const std::string& what);

}  // namespace ringfence::enforcer
