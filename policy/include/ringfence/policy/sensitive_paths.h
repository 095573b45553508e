// Host paths whose mount hands a sandbox the host (RF-FS-002): one list for
// lint, which reads a volume's source, and the audit, which reads where a
// live mount comes from on the host.
#pragma once

#include <optional>
#include <string>

namespace ringfence::policy {

// Why `host_path` is sensitive ("/etc is a host system directory"), or
// nothing when it is not.
std::optional<std::string> sensitive_host_path(std::string host_path);

}  // namespace ringfence::policy
