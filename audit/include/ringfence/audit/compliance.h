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
#include <string_view>
#include <vector>

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

// Judged against a benchmark rather than an approved profile (`audit scan
// --benchmark`, for containers nobody wrote a profile for): the process is
// judged against the benchmark's reference profile (reference_profile), only
// the benchmark's controls are kept, and the controls that compare with a
// plan exactly (RF-CAP-007, RF-NS-008, RF-SEC-002) are left out: a
// container is not wrong for differing from a profile it was never given.
// Limits (RF-RES-001..003, RF-RLIM-001) pass when any bound is set, not only
// the reference profile's.
const char* reference_profile(std::string_view benchmark);  // "default" or "strict"
Report judge_benchmark(const policy::Plan& reference, const enforcer::ProcessFacts& facts, std::string_view benchmark,
                       const std::string& subject);

// One process of a sandbox and its report (judge_compliance's).
struct ProcessReport {
  pid_t pid = 0;
  Report report;
};

// Pure: one report on a sandbox from the reports on each of its processes
// (the init's first). Per control: it fails if it fails on any process,
// else it is unknown if it is unknown on any, else it passes. The observed
// names the pid ("pid 4242: CapEff=..."), up to three of those that decide
// the outcome and how many more; the expected is the first's. With one
// process the report is that process's, only the subject changes.
Report merge_process_reports(const std::vector<ProcessReport>& processes, const std::string& subject);

struct CheckTarget {
  pid_t pid = 0;
  // Every process of the sandbox whose init `pid` is (the processes of its
  // pid namespace and of those below it: enforcer::sandbox_processes), each
  // with all its threads, judged and merged (merge_process_reports). Off:
  // only `pid`. A process other than the init that ends during the check
  // is left out; the init ending is still a failure.
  bool every_process = false;
  std::optional<std::string> sandbox;                  // checked by name: its launcher record
  std::optional<enforcer::ProcessFacts::LauncherRecord> launcher;
  bool read_seccomp_filters = true;
  std::string benchmark;  // "": judged against the plan; else judge_benchmark with the plan as reference
  std::string subject;    // the report's subject; "" = "sandbox:NAME" or "pid:PID"
  std::function<void()> before_recheck;  // tests
};

// Reads the process (under a pidfd) and judges it (with every_process, each
// process of its sandbox). Fails (the status) when the process (the init)
// cannot be read or ends during the check, or another process of the
// sandbox cannot be read for another reason than its end: never a report then.
Status check_compliance(const policy::Plan& plan, const CheckTarget& target, Report& report);

// Every finding passes.
bool all_pass(const Report& report);

}  // namespace ringfence::audit
