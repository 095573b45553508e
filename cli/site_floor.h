// The site policy floor as the command line meets it: which file applies,
// and what each of the floor's decisions looks like in the audit log.
// (The floor itself is policy's: site_policy.h.)
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ringfence/audit/findings.h"
#include "ringfence/base/result.h"
#include "ringfence/policy/site_policy.h"

namespace ringfence::cli {

// The floor `flag` names (--policy), else /etc/ringfence/policy.toml if it
// exists, else none (an empty optional). A policy file that cannot be read
// or has any error is a failure whose message holds every diagnostic: a
// broken floor must stop the caller, never mean "no floor".
Result<std::optional<policy::SitePolicy>> load_floor(const std::string& flag);

// One audit record: "floor.refuse" or "floor.clamp", with what was asked,
// where, what was applied and the policy key that decided (docs/audit.md).
nlohmann::json floor_record(const policy::FloorDecision& decision);

// A bundle's plan as `ringfence-oci create` compiles it: config.json read,
// under the floor that applies (`site_policy` as load_floor takes it), for
// the rootfs in `options` or else the bundle's own. Every problem, and each
// clamp as a warning, is printed to stderr; the result has no plan when the
// bundle cannot be read, does not compile or is refused.
policy::Compiled compile_bundle(const std::string& dir, const std::string& site_policy,
                                policy::CompileOptions options = {});

// lint --site-policy: the floor's decisions as findings of RF-SITE-001
// (refused) and RF-SITE-002 (clamped), at the place that asked; a pass for
// each when the floor had nothing to say.
void add_floor_findings(audit::Report& report, const std::vector<policy::FloorDecision>& decisions);

}  // namespace ringfence::cli
