// ringfence lint: judges a compiled profile against the control catalogue
// (audit/controls.toml). Each rule reads the effective Profile and its Plan,
// so a setting inherited through `extends` is judged by its effect and
// reported at the line of the file that wrote it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ringfence/audit/controls.h"
#include "ringfence/audit/findings.h"
#include "ringfence/policy/compiler.h"

namespace ringfence::lint {

struct LintOptions {
  // "cis-docker" | "pss-baseline" | "pss-restricted" | "all"
  std::string benchmark = "all";
  // Rules below this severity are not evaluated.
  audit::Severity min_severity = audit::Severity::Low;
  // The seccomp actions the target kernel offers (the words of
  // /proc/sys/kernel/seccomp/actions_avail); empty: read the running kernel's.
  std::set<std::string> actions_avail;
};

// Lints one profile that compiled without errors. `subject` names it in the
// report (the path or shipped name the user gave). An unknown rule ID in a
// `[[lint.ignore]]` entry is an error added to `diags`; a suppression that
// matched no finding is a warning.
audit::Report lint_profile(const policy::Compiled& compiled, const std::string& subject, const LintOptions& options,
                           policy::Diagnostics& diags);

// Whether a report has a finding that fails (not suppressed, not passed).
bool has_failures(const audit::Report& report);

// The IDs of the controls that have a lint rule, in catalogue order.
std::vector<std::string> rule_ids();

// docs/lint-rules.md, generated from the catalogue: `ringfence lint
// --list-rules --format markdown` prints it, and a test keeps the checked-in
// copy equal to it.
std::string rules_markdown();

}  // namespace ringfence::lint
