// Text for people. Lint prints like a compiler — location, severity, ID,
// what was found and how to fix it — and leaves passes out; a
// compliance report lists every control, because "what was checked" is the
// point of an audit.
#include <fmt/core.h>

#include "reporter_formats.h"

namespace ringfence::audit {
namespace {

const char* status_word(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "PASS";
    case Outcome::Fail: return "FAIL";
    case Outcome::Unknown: return "UNKNOWN";
    case Outcome::Suppressed: return "SUPPRESSED";
  }
  return "FAIL";
}

void lint_finding(std::string& out, const Report& report, const Finding& f) {
  const Control& c = control_of(f);
  std::string where = location_text(f.where);
  if (where.empty()) where = report.subject;
  if (f.outcome == Outcome::Suppressed) {
    out += fmt::format("{}: suppressed {}: {} (reason: {})\n", where, c.id, f.message, f.suppression_reason);
    return;
  }
  out += fmt::format("{}: {} {}: {}\n", where, severity_name(c.severity), c.id, f.message);
  if (!c.remediation.empty()) out += fmt::format("    fix: {}\n", c.remediation);
}

void compliance_finding(std::string& out, const Finding& f) {
  const Control& c = control_of(f);
  out += fmt::format("{:<10} {:<12} {:<8} {}\n", status_word(f.outcome), c.id, severity_name(c.severity), c.title);
  if (f.outcome == Outcome::Pass) return;
  if (!f.message.empty()) out += fmt::format("    {}\n", f.message);
  if (!f.observed.empty()) out += fmt::format("    observed: {}\n", f.observed);
  if (!f.expected.empty()) out += fmt::format("    expected: {}\n", f.expected);
  if (f.outcome == Outcome::Suppressed) out += fmt::format("    accepted: {}\n", f.suppression_reason);
}

std::string summary(const Report& report) {
  const Tally t = tally(report);
  std::string s = fmt::format("{}: {} failed, {} passed", report.subject, t.fail, t.pass);
  if (t.unknown) s += fmt::format(", {} unknown", t.unknown);
  if (t.suppressed) s += fmt::format(", {} suppressed", t.suppressed);
  return s + "\n";
}

}  // namespace

std::string render_text(const std::vector<Report>& reports) {
  std::string out;
  for (const auto& report : reports) {
    if (report.kind == Report::Kind::Compliance) {
      if (report.container)
        out += fmt::format("container {} against {}\n", container_text(*report.container), report.profile);
      else
        out += fmt::format("{} against {}\n", report.subject, report.profile);
      for (const auto& f : report.findings) compliance_finding(out, f);
    } else {
      for (const auto& f : report.findings)
        if (f.outcome != Outcome::Pass) lint_finding(out, report, f);
    }
    out += summary(report);
  }
  return out;
}

}  // namespace ringfence::audit
