// JSON for scripts: every finding, passes included, with the control's
// catalogue fields inlined so that a consumer needs no second lookup.
#include <nlohmann/json.hpp>

#include "reporter_formats.h"

namespace ringfence::audit {

std::string render_json(const std::vector<Report>& reports) {
  nlohmann::json out;
  out["version"] = 1;
  out["reports"] = nlohmann::json::array();
  for (const auto& report : reports) {
    nlohmann::json r;
    r["kind"] = report.kind == Report::Kind::Lint ? "lint" : "compliance";
    r["subject"] = report.subject;
    r["profile"] = report.profile;
    if (report.container) r["container"] = container_json(*report.container);
    const Tally t = tally(report);
    r["summary"] = {{"pass", t.pass}, {"fail", t.fail}, {"unknown", t.unknown}, {"suppressed", t.suppressed}};
    r["findings"] = nlohmann::json::array();
    for (const auto& f : report.findings) {
      const Control& c = control_of(f);
      nlohmann::json j{{"control", c.id},          {"title", c.title},     {"severity", severity_name(c.severity)},
                       {"outcome", outcome_name(f.outcome)}, {"message", f.message}};
      if (f.where.known()) j["location"] = {{"file", f.where.file}, {"line", f.where.line}, {"column", f.where.column}};
      if (!f.observed.empty()) j["observed"] = f.observed;
      if (!f.expected.empty()) j["expected"] = f.expected;
      if (f.outcome == Outcome::Suppressed) j["suppression_reason"] = f.suppression_reason;
      r["findings"].push_back(std::move(j));
    }
    out["reports"].push_back(std::move(r));
  }
  return out.dump(2) + "\n";
}

}  // namespace ringfence::audit
