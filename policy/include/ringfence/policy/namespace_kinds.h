// THE NAMESPACE KINDS: one row each — its name under /proc/PID/ns, its
// CLONE_NEW* flag, its runtime-spec type, the Docker/podman flag that shares
// the host's, and the field of NamespacesParams that says whether a plan
// creates it. Everything that lists namespaces (the clone, exec's joins,
// namespaces.join, the /proc facts and their verify, the plan's JSON, the OCI
// export) iterates this table. docs/contributing.md, "Adding a namespace kind".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

struct NamespaceKind {
  std::string_view proc;     // "mnt": /proc/PID/ns/mnt
  std::uint64_t clone_flag;  // CLONE_NEWNS
  std::string_view oci;      // "mount": linux.namespaces[].type
  std::string_view docker;   // "" when Docker has no flag for it
  std::string_view plan;     // "mount": its key in the plan's JSON
  // Listed in the plan's JSON even when not created. Kinds added later are
  // listed only when created, so that the plans — and their hashes, which
  // `exec` compares — of every profile that does not ask for them stay the
  // same across the upgrade.
  bool listed_when_off;
  // Made by the clone with the others. The time namespace is not: its
  // offsets must be set before any process is in it, so the child makes it
  // with unshare (step namespaces.time) and enters it at its exec.
  bool by_clone;
  bool NamespacesParams::*created;
};

// The kernel's CLONE_NEW* values (<linux/sched.h>), kept here as numbers:
// policy/ does no system calls. The user namespace first: joining it gives
// the rights to join the others.
inline constexpr std::array<NamespaceKind, 8> kNamespaceKinds = {{
    {"user", 0x10000000, "user", "--userns", "user", true, true, &NamespacesParams::user},
    {"mnt", 0x00020000, "mount", "", "mount", true, true, &NamespacesParams::mount},
    {"pid", 0x20000000, "pid", "--pid", "pid", true, true, &NamespacesParams::pid},
    {"ipc", 0x08000000, "ipc", "--ipc", "ipc", true, true, &NamespacesParams::ipc},
    {"uts", 0x04000000, "uts", "--uts", "uts", true, true, &NamespacesParams::uts},
    {"net", 0x40000000, "network", "--network", "net", true, true, &NamespacesParams::net},
    {"cgroup", 0x02000000, "cgroup", "--cgroupns", "cgroup", true, true, &NamespacesParams::cgroup},
    {"time", 0x00000080, "time", "", "time", false, false, &NamespacesParams::time},
}};

// The row of a /proc name ("net"), or nullptr.
const NamespaceKind* namespace_kind(std::string_view proc_name);

// The CLONE_NEW* flags of the namespaces `params` has the clone create.
std::uint64_t clone_flags_of(const NamespacesParams& params);

}  // namespace ringfence::policy
