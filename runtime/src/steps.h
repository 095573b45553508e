// The handler of every plan step, looked up by the step's name. A step with
// no handler fails: nothing in a plan is skipped silently.
#pragma once

#include "ringfence/enforcer/status.h"
#include "ringfence/policy/plan.h"
#include "run_context.h"

namespace ringfence::runtime {

// Runs one step. With RINGFENCE_FAULT_INJECTION built in, the step named by
// the environment variable RINGFENCE_FAIL_STEP fails instead of running.
enforcer::Status run_step(const policy::Step& step, RunContext& ctx);

// Runs every step of `phase`, in plan order; stops at the first failure and
// names the step in `failed`.
enforcer::Status run_phase(policy::Phase phase, RunContext& ctx, std::string& failed);

// Does the plan have any step in `phase`?
bool has_phase(const policy::Plan& plan, policy::Phase phase);

// True for the steps that the fault-injection switch names.
bool fault_injected(const std::string& step);

}  // namespace ringfence::runtime
