// A cache of compiled seccomp programs, so that a sandbox does not pay for
// libseccomp's compilation on every start (about 13 ms for Docker's profile
// on three architectures). Entries are keyed by a hash of everything the
// program is made from; they live in a directory only root may write, and
// are checked — owner, mode, checksum, and the kernel's own program rules —
// before a single one is used.
#pragma once

#include <optional>
#include <string>

#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

inline constexpr const char* kSeccompCacheDir = "/var/cache/ringfence/seccomp";

// The cache key of a filter: SHA-256 over the filter, libseccomp's version
// and the cache format.
std::string seccomp_cache_key(const policy::SeccompFilter& filter);

// A verified cached program, or nothing (absent, or failing any check).
std::optional<CompiledFilter> load_cached_filter(const std::string& dir, const std::string& key);

// Stores a program (best effort: a cache that cannot be written is no error).
void store_cached_filter(const std::string& dir, const std::string& key, const CompiledFilter& filter);

// compile_filter, through the cache when ringfence runs as root.
std::optional<CompiledFilter> compile_filter_cached(const policy::SeccompFilter& filter, std::string& error,
                                                    const std::string& dir = kSeccompCacheDir);

}  // namespace ringfence::enforcer
