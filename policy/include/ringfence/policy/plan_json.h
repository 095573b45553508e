// Rendering a plan: JSON for tools and golden tests, text for reviewers, and
// the SHA-256 that the audit log records for every sandbox.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ringfence/base/result.h"
#include "ringfence/policy/plan.h"

namespace ringfence::policy {

// With include_origins, each seccomp rule says which file and line it came
// from and the plan lists its extends chain.
nlohmann::json plan_to_json(const Plan& plan, bool include_origins = true);
nlohmann::json step_params_json(const Step& step, bool include_origins = true);
std::string plan_to_text(const Plan& plan);

// The filter as the plan's JSON has it, origins included, and back: what a
// detached sandbox's small supervisor is handed (runtime's handover.h), so
// that it answers and records by the same rules without the compiler.
nlohmann::json seccomp_filter_json(const SeccompFilter& filter);
Result<SeccompFilter> seccomp_filter_from_json(const nlohmann::json& json);

// The hash of what the plan enforces (its JSON without origins): two profiles
// written differently that enforce the same thing hash the same.
std::string plan_sha256(const Plan& plan);

}  // namespace ringfence::policy
