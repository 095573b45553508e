// Carrying out plan steps: the runtime's face of each step kind.
#pragma once

#include <string_view>

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"
#include "run_context.h"

namespace ringfence::runtime {

// Runs one step. In a fault-injection build the step named by
// RINGFENCE_FAIL_STEP fails instead of running (base/fault.h).
Status run_step(const policy::Step& step, RunContext& ctx);

// Runs every step of `phase` that `ctx.applies` lets through, in plan
// order; stops at the first failure and names the step in `failed`.
Status run_phase(policy::Phase phase, RunContext& ctx, policy::StepKind& failed);

// Does the plan have any step in `phase` that `ctx.applies` lets through?
bool has_phase(const RunContext& ctx, policy::Phase phase);

// True for the step kind that the fault-injection switch names.
bool fault_injected(policy::StepKind kind);
// The same for a point that is no step ("monitor": the OCI monitor's set-up).
bool fault_injected(std::string_view point);

}  // namespace ringfence::runtime
