// Where seccomp rules come from besides the profile itself: the base rule
// set (`seccomp.base`) — ringfence's default set, nothing, or a Docker/OCI
// seccomp JSON file — and the Docker-format JSON that `export` writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

struct SeccompBase {
  std::vector<SeccompRuleEntry> rules;  // layer -1: below every profile
  Setting<std::string> default_action;  // unset when the base does not say
  Setting<ErrnoValue> default_errno;
};

// How messages and plans name the embedded file behind `base = "default"`
// (profiles/seccomp/default.toml in the source tree, which users may not
// have): as shipped profiles are named, "shipped:NAME.toml".
inline constexpr const char* kDefaultSeccompBase = "shipped:seccomp/default.toml";

// Reads a base by reference: "default", "none", or a path (relative paths
// are relative to the directory of the file that named it, `from.file`).
std::optional<SeccompBase> load_seccomp_base(const std::string& ref, const SourceLocation& from, Diagnostics& diags);

// Docker's seccomp JSON (also the `linux.seccomp` object of an OCI
// config.json). Unknown syscall names are skipped with a warning, as Docker
// does; anything else it cannot represent is an error.
std::optional<SeccompBase> import_seccomp_json(std::string_view json, const std::string& file, Diagnostics& diags);

// A compiled filter as Docker-format JSON that Docker and podman accept.
// The rules are the resolved ones: capability and architecture conditions
// have already been decided for this profile.
std::string export_seccomp_json(const SeccompFilter& filter);

}  // namespace ringfence::policy
