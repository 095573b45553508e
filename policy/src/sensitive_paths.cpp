#include "ringfence/policy/sensitive_paths.h"

#include <string_view>

#include <fmt/core.h>

namespace ringfence::policy {
namespace {

bool under(std::string_view path, std::string_view dir) {
  return path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

}  // namespace

// The host's root, its configuration and binaries (exactly), its kernel
// interfaces and devices (anything under them), and the container engines'
// control sockets.
std::optional<std::string> sensitive_host_path(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  for (const char* exact : {"/", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/var", "/run",
                            "/var/run", "/root", "/home", "/var/lib"})
    if (path == exact) return fmt::format("{} is a host system directory", path);
  for (const char* tree : {"/proc", "/sys", "/dev", "/boot", "/lib/modules", "/usr/lib/modules", "/var/lib/kubelet",
                           "/var/lib/docker", "/var/lib/containers", "/etc/kubernetes"})
    if (under(path, tree)) return fmt::format("{} exposes the host's {}", path, tree);
  for (const char* sock : {"docker.sock", "containerd.sock", "crio.sock", "podman.sock"})
    if (path.ends_with(sock)) return fmt::format("{} is a container engine's control socket", path);
  return std::nullopt;
}

}  // namespace ringfence::policy
