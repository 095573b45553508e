// The lint engine: which rules run (benchmark, minimum severity), a pass for
// each rule that found nothing, and suppressions applied last so that a
// suppressed finding is still reported, with its reason.
#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "context.h"
#include "ringfence/policy/names.h"

namespace ringfence::lint {
namespace {

// Every rule, in catalogue (ID) order.
const std::vector<Rule>& all_rules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> out;
    for (auto table : {privilege_rules(), capability_rules(), namespace_rules(), filesystem_rules(), seccomp_rules(),
                       confinement_rules(), resource_rules()})
      out.insert(out.end(), table.begin(), table.end());
    std::sort(out.begin(), out.end(), [](const Rule& a, const Rule& b) { return std::string_view(a.id) < b.id; });
    return out;
  }();
  return rules;
}

// The catalogue's IDs, for suggestions: listed once per process, not once
// per profile linted.
const std::vector<std::string>& control_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> out;
    for (const auto& c : audit::controls()) out.push_back(c.id);
    return out;
  }();
  return ids;
}

struct Suppression {
  const policy::LintIgnoreEntry* entry;
  bool used = false;
};

}  // namespace

std::vector<std::string> rule_ids() {
  std::vector<std::string> out;
  for (const auto& r : all_rules()) out.emplace_back(r.id);
  return out;
}

bool has_failures(const audit::Report& report) {
  return std::any_of(report.findings.begin(), report.findings.end(),
                     [](const audit::Finding& f) { return f.outcome == audit::Outcome::Fail; });
}

audit::Report lint_profile(const policy::Compiled& compiled, const std::string& subject, const LintOptions& options,
                           policy::Diagnostics& diags) {
  audit::Report report;
  report.kind = audit::Report::Kind::Lint;
  report.subject = report.profile = subject;
  if (!compiled.plan) return report;

  // Suppressions name catalogue IDs; anything else is a typo to fix now,
  // not a finding silently left in force.
  std::map<std::string, Suppression> suppressions;
  for (const auto& ig : compiled.profile.lint.ignore.items) {
    if (!ig.rule.is_set()) continue;  // the compiler already said so
    if (!audit::find_control(ig.rule.value)) {
      diags.error(ig.rule.origin, fmt::format("'lint.ignore.rule': no rule '{}'{}", ig.rule.value,
                                              policy::did_you_mean(ig.rule.value, control_ids())));
      continue;
    }
    suppressions[ig.rule.value] = Suppression{&ig};
  }

  const Context ctx(compiled, options);
  for (const auto& rule : all_rules()) {
    const audit::Control* control = audit::find_control(rule.id);
    if (!control || !control->lint || !control->in_benchmark(options.benchmark) ||
        control->severity < options.min_severity)
      continue;
    std::vector<audit::Finding> found;
    Findings sink(found, rule.id);
    rule.check(ctx, sink);
    if (found.empty()) {
      audit::Finding pass;
      pass.control = rule.id;
      pass.outcome = audit::Outcome::Pass;
      pass.message = fmt::format("checked: {}", control->title);
      report.findings.push_back(std::move(pass));
      continue;
    }
    if (auto s = suppressions.find(rule.id); s != suppressions.end()) {
      s->second.used = true;
      for (auto& f : found) {
        f.outcome = audit::Outcome::Suppressed;
        f.suppression_reason = s->second.entry->reason.value;
      }
    }
    for (auto& f : found) report.findings.push_back(std::move(f));
  }
  for (const auto& [id, s] : suppressions) {
    const audit::Control* control = audit::find_control(id);
    // Only a rule that ran and found nothing makes the suppression stale.
    if (!s.used && control->lint && control->in_benchmark(options.benchmark) &&
        control->severity >= options.min_severity)
      diags.warning(s.entry->rule.origin, fmt::format("'lint.ignore': rule {} found nothing to suppress", id));
  }
  return report;
}

}  // namespace ringfence::lint
