// The golden plan of a shipped profile, from one function for both of its
// users: shipped_profiles_test.cpp compares it with tests/data/golden, and
// tests/tools/update_golden.cpp (the `update-golden` target) rewrites those
// files. The test never writes: an update is a separate, reviewed command.
#pragma once

#include <string>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/plan_json.h"

namespace ringfence::test {

inline std::string golden_path(const std::string& profile) { return "tests/data/golden/" + profile + ".plan.json"; }

// The plan as the golden file holds it; `c` is what compiled, for its
// diagnostics (a shipped profile compiles without any).
inline std::string golden_plan_text(const policy::Compiled& c) { return policy::plan_to_json(*c.plan).dump(2) + "\n"; }

}  // namespace ringfence::test
