// Where an OCI container's cgroup goes: the bundle's linux.cgroupsPath,
// read as the engine meant it, below each hierarchy's root.
#pragma once

#include <string>

#include "ringfence/base/result.h"

namespace ringfence::runtime {

// cgroupfs (the default): "/docker/ID" -> "docker/ID"; a relative path is
// put under "ringfence/"; "" -> "ringfence/ID".
// --systemd-cgroup: "slice:prefix:name" -> the path systemd gives that scope
// ("system.slice:docker:ID" -> "system.slice/docker-ID.scope", nested
// slices "a-b.slice" -> "a.slice/a-b.slice"). Only the path is derived:
// ringfence does not ask systemd for a scope (it is not a systemd client),
// so the directories are made as cgroupfs ones at the place systemd would
// use. Anything else — a slice:prefix:name without --systemd-cgroup, a
// plain path with it, "..", empty components — is refused: a container is
// never placed where its engine would not look for it.
Result<std::string> oci_cgroup_path(const std::string& cgroups_path, bool systemd, const std::string& id);

}  // namespace ringfence::runtime
