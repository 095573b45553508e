// Controls about host exposure, judged from the facts against what the plan
// allows, whatever steps the plan has: a process may be more exposed than
// its profile in ways no single step's verify names.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ringfence/audit/findings.h"
#include "ringfence/enforcer/verify.h"

namespace ringfence::audit {

using enforcer::ProcessFacts;
using ControlVerdicts = std::vector<std::pair<std::string, enforcer::Verdict>>;

// One finding from every verdict on a control: fails if any aspect fails,
// unknown if any is unknown and none fails, passes otherwise.
Finding finding_for(const std::string& id, const std::vector<enforcer::Verdict>& verdicts);

ControlVerdicts exposure_verdicts(const policy::Plan& plan, const ProcessFacts& facts);

// RF-CAP-002 to -006, RF-NET-002, RF-DEV-002 (compliance_capabilities.cpp).
void capability_verdicts(const policy::Plan& plan, const ProcessFacts& facts, ControlVerdicts& out);
// RF-PRIV-005, RF-LSM-001 (compliance_confinement.cpp).
void confinement_verdicts(const policy::Plan& plan, const ProcessFacts& facts, ControlVerdicts& out);
// RF-FS-002, RF-FS-006, RF-NET-001 (compliance_host_view.cpp).
void host_view_verdicts(const policy::Plan& plan, const ProcessFacts& facts, ControlVerdicts& out);

}  // namespace ringfence::audit
