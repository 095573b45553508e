#include "ringfence/runtime/oci_cgroup.h"
#include <algorithm>

#include <cerrno>

#include <fmt/core.h>

#include "ringfence/enforcer/cgroup.h"

namespace ringfence::runtime {
namespace {

Status refuse(const std::string& path, const std::string& why) {
  return Status::failure(fmt::format("linux.cgroupsPath '{}': {}", path, why), EINVAL);
}

// "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice" (systemd.slice(5)).
Result<std::string> expand_slice(const std::string& whole, const std::string& slice) {
  if (slice.empty()) return std::string("system.slice");
  if (slice == "-.slice") return std::string();
  const std::string suffix = ".slice";
  if (slice.size() <= suffix.size() || slice.compare(slice.size() - suffix.size(), suffix.size(), suffix) != 0 ||
      slice.find('/') != std::string::npos)
    return refuse(whole, fmt::format("'{}' is not a systemd slice name", slice));
  const std::string base = slice.substr(0, slice.size() - suffix.size());
  if (base.front() == '-' || base.back() == '-' || base.find("--") != std::string::npos)
    return refuse(whole, fmt::format("'{}' is not a valid slice name", slice));
  std::string path;
  for (std::size_t dash = base.find('-'); dash != std::string::npos; dash = base.find('-', dash + 1))
    path += base.substr(0, dash) + suffix + "/";
  return path + slice;
}

}  // namespace

Result<std::string> oci_cgroup_path(const std::string& p, bool systemd, const std::string& id) {
  const auto colons = std::count(p.begin(), p.end(), ':');
  std::string path;
  if (systemd) {
    if (p.empty()) {
      path = "system.slice/ringfence-" + id + ".scope";
    } else {
      if (colons != 2) return refuse(p, "with --systemd-cgroup it must be slice:prefix:name");
      const auto first = p.find(':'), second = p.find(':', first + 1);
      const std::string slice = p.substr(0, first), prefix = p.substr(first + 1, second - first - 1),
                        name = p.substr(second + 1);
      if (name.empty() || name.find('/') != std::string::npos || prefix.find('/') != std::string::npos)
        return refuse(p, "the prefix and name must be single path components, the name not empty");
      auto dir = expand_slice(p, slice);
      if (!dir) return dir.status();
      // A name that is itself a slice is a slice, not a scope.
      const bool is_slice = name.size() > 6 && name.compare(name.size() - 6, 6, ".slice") == 0;
      const std::string unit = is_slice ? name : (prefix.empty() ? name : prefix + "-" + name) + ".scope";
      path = dir->empty() ? unit : *dir + "/" + unit;
    }
  } else if (colons == 2 && p.front() != '/') {
    return refuse(p, "this is a systemd slice:prefix:name; run with --systemd-cgroup (as the engine's cgroup manager "
                     "is systemd) or configure the engine for cgroupfs");
  } else if (p.empty()) {
    path = enforcer::cgroup_relative_path(id);
  } else if (p.front() == '/') {
    path = p.substr(1);
  } else {
    path = "ringfence/" + p;
  }
  if (!enforcer::is_cgroup_path(path)) return refuse(p, "not a cgroup path (empty components, '.' or '..')");
  return path;
}

}  // namespace ringfence::runtime
