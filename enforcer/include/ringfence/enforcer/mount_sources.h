// The trees a sandbox's root is made of — the host's allowed directories or
// the --rootfs, and every volume source — opened as detached mounts
// (open_tree with OPEN_TREE_CLONE) that already carry their flags.
//
// As root they are opened by ringfence in the parent before the clone (step
// mount.sources), with its own credentials: the sandbox's process, which may
// be an unprivileged id of a user namespace, only attaches what it inherits,
// so a rootfs under a 0700 directory works, and each path is resolved once.
// Without root the child opens them itself (it is the caller inside).
#pragma once

#include <string>
#include <vector>

#include "ringfence/base/fd.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

struct HostTree {
  std::string path;  // absolute, on the host and inside the sandbox alike
  std::string link;  // the host's entry is a symlink with this text (merged /usr): made again, not mounted
  Fd tree;           // otherwise a detached read-only copy of the directory
};

struct MountSources {
  bool opened = false;
  Fd rootfs;                    // --rootfs
  std::vector<HostTree> host;   // the host's root: only what host_view_paths() allows
  std::vector<Fd> volumes;      // one per bind of mount.volumes, in its order
};

// Opens every tree `root` and `volumes` (may be null) name. On the host's
// root, the `hidden` paths (the host's secrets, ringfence's own files) that
// lie below an allowed directory are left out of its view (whiteouts in an
// overlay: see open_tree_hiding in mount_sources.cpp for why not a mount
// over each).
Status open_mount_sources(const policy::RootfsParams& root, const policy::MountsParams* volumes,
                          const std::vector<std::string>& hidden, MountSources& out);

}  // namespace ringfence::enforcer
