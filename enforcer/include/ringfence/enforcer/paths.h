// Paths inside a sandbox's root are never joined to a host path as strings:
// they are resolved relative to a descriptor of the root with openat2's
// RESOLVE_IN_ROOT, so a symlink in the rootfs — absolute, or climbing with
// ".." — stays inside it (runc CVE-2021-30465). Mounts then target the
// resolved object through /proc/self/fd/N.
#pragma once

#include <string>
#include <string_view>

#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::enforcer {

// Opens `path` (absolute, as seen inside the sandbox) under root_fd.
// `flags` are open flags; O_CLOEXEC is added.
Result<Fd> open_in_root(int root_fd, std::string_view path, int flags);

// Opens `path` under root_fd, first creating what is missing: every
// directory on the way and, at the end, a directory — or an empty regular
// file when `file` is true (for bind-mounting a file). Returns an O_PATH fd.
Result<Fd> ensure_in_root(int root_fd, std::string_view path, bool file);

// "/proc/self/fd/N": the path through which mount(2) reaches an fd.
std::string fd_path(int fd);

// Is `fd` the character device major:minor? (the masked-path and /dev
// sources are checked on the descriptor that gets mounted: CVE-2025-31133)
bool is_char_device(int fd, unsigned major, unsigned minor);

}  // namespace ringfence::enforcer
