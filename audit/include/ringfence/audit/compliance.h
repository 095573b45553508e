// The compliance check: a live process judged against a profile's plan.
// Each step's verify (enforcer/verify.h) says whether the step holds; this
// module turns the verdicts into findings on the catalogue's controls and
// adds the controls about host exposure that hold whatever the steps are.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "ringfence/audit/findings.h"
#include "ringfence/enforcer/process_facts.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::audit {

// The control a step's verdict is evidence for ("" when none).
std::string control_for(policy::StepKind step, const std::string& aspect);

// Pure: the report for `facts` against `plan`, one finding per control
// evaluated (passes included). A control with any failing aspect fails; one
// with an aspect the kernel does not show, and none failing, is unknown.
Report judge_compliance(const policy::Plan& plan, const enforcer::ProcessFacts& facts, const std::string& subject);

struct CheckTarget {
  pid_t pid = 0;
  std::optional<std::string> sandbox;                  // checked by name: its launcher record
  std::optional<enforcer::ProcessFacts::LauncherRecord> launcher;
  bool read_seccomp_filters = true;
  std::function<void()> before_recheck;  // tests
};

// Reads the process (under a pidfd) and judges it. Fails (the status) when
// the process cannot be read or ends during the check: never a report then.
Status check_compliance(const policy::Plan& plan, const CheckTarget& target, Report& report);

// Every finding passes.
bool all_pass(const Report& report);

}  // namespace ringfence::audit
