// Docker's defaults, which ringfence starts from (docs/profiles.md says where
// ringfence is stricter). Source: moby oci/defaults.go and oci/caps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringfence::policy {

// The 14 capabilities Docker gives a container, as "CAP_X".
const std::vector<std::string>& docker_default_capabilities();
const std::vector<std::string>& docker_masked_paths();
const std::vector<std::string>& docker_readonly_paths();

// What a sandbox on the host's root (no --rootfs) sees of the host: these
// directories, read-only, on an otherwise empty root. An allow-list, so that
// nothing of /run, /var, /home, /root, /srv or /tmp — the host's sockets,
// FIFOs, state and users' files — is reachable (docs/security.md).
const std::vector<std::string>& host_view_paths();

inline constexpr std::int64_t kDefaultShmSize = 64 * 1024 * 1024;  // Docker's --shm-size
inline constexpr std::uint32_t kDefaultUmask = 022;
inline constexpr const char* kDefaultHostname = "sandbox";
inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace ringfence::policy
