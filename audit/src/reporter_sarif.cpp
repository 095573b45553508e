// SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure
// DevOps) ingest. One run for the invocation; its rules are the whole
// catalogue, so rule indexes are stable across runs. Passes are results of
// kind "pass" and facts the kernel would not give are kind "open" — both at
// level "none", as the specification requires for any kind but "fail".
// Suppressed findings stay failures, with an in-source suppression carrying
// the profile's reason.
#include <cctype>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "reporter_formats.h"

namespace ringfence::audit {
namespace {

using nlohmann::json;

// A profile path as a URI reference: relative paths stay relative (to the
// directory lint ran in), absolute ones become file:// URIs.
std::string artifact_uri(const std::string& path) {
  std::string out;
  for (unsigned char ch : path) {
    if (std::isalnum(ch) || ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '~')
      out += static_cast<char>(ch);
    else
      out += fmt::format("%{:02X}", ch);
  }
  return path.starts_with('/') ? "file://" + out : out;
}

json rule(const Control& c) {
  json tags = json::array({"security"});
  for (const auto& r : c.references) tags.push_back(r);
  json properties{{"tags", tags}};
  if (*security_severity(c.severity)) properties["security-severity"] = security_severity(c.severity);
  return {{"id", c.id},
          {"shortDescription", {{"text", c.title}}},
          {"fullDescription", {{"text", c.rationale}}},
          {"help", {{"text", c.remediation}}},
          {"defaultConfiguration", {{"level", sarif_level(c.severity)}}},
          {"properties", properties}};
}

json location(const Report& report, const Finding& f) {
  if (report.kind == Report::Kind::Compliance)
    return {{"logicalLocations", json::array({{{"name", report.subject}, {"kind", "resource"}}})}};
  const std::string file = f.where.known() && !f.where.on_command_line() ? f.where.file : report.subject;
  json physical{{"artifactLocation", {{"uri", artifact_uri(file)}}}};
  if (f.where.known() && f.where.line > 0) {
    json region{{"startLine", f.where.line}};
    if (f.where.column > 0) region["startColumn"] = f.where.column;
    physical["region"] = region;
  }
  return {{"physicalLocation", physical}};
}

json result(const Report& report, const Finding& f, std::size_t rule_index) {
  const Control& c = control_of(f);
  json r{{"ruleId", c.id}, {"message", {{"text", f.message.empty() ? c.title : f.message}}}};
  if (rule_index < controls().size()) r["ruleIndex"] = rule_index;
  switch (f.outcome) {
    case Outcome::Pass: r["kind"] = "pass"; r["level"] = "none"; break;
    case Outcome::Unknown: r["kind"] = "open"; r["level"] = "none"; break;
    case Outcome::Fail:
    case Outcome::Suppressed: r["kind"] = "fail"; r["level"] = sarif_level(c.severity); break;
  }
  if (f.outcome == Outcome::Suppressed)
    r["suppressions"] = json::array({{{"kind", "inSource"}, {"justification", f.suppression_reason}}});
  r["locations"] = json::array({location(report, f)});
  json properties{{"subject", report.subject}, {"profile", report.profile}};
  if (!f.observed.empty()) properties["observed"] = f.observed;
  if (!f.expected.empty()) properties["expected"] = f.expected;
  if (report.container) properties["container"] = container_json(*report.container);
  r["properties"] = properties;
  return r;
}

}  // namespace

std::string render_sarif(const std::vector<Report>& reports) {
  const auto& catalogue = controls();
  json rules = json::array();
  for (const auto& c : catalogue) rules.push_back(rule(c));
  json results = json::array();
  for (const auto& report : reports) {
    for (const auto& f : report.findings) {
      std::size_t index = 0;
      while (index < catalogue.size() && catalogue[index].id != f.control) ++index;
      results.push_back(result(report, f, index));
    }
  }
  json driver{{"name", "ringfence"},
              {"version", RINGFENCE_VERSION},
              {"rules", rules}};
  json doc{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
           {"version", "2.1.0"},
           {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  return doc.dump(2) + "\n";
}

}  // namespace ringfence::audit
