// Controls about host exposure, judged from the facts against what the plan
// allows, whatever steps the plan has: a process may be more exposed than
// its profile in ways no single step's verify names.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ringfence/enforcer/verify.h"

namespace ringfence::audit {

std::vector<std::pair<std::string, enforcer::Verdict>> exposure_verdicts(const policy::Plan& plan,
                                                                         const enforcer::ProcessFacts& facts);

}  // namespace ringfence::audit
