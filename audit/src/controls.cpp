#include "ringfence/audit/controls.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <toml.hpp>

#include "embedded_controls.h"

namespace ringfence::audit {
namespace {

using Table = toml::basic_value<toml::discard_comments, std::map, std::vector>;

std::vector<std::string> strings(const Table& t, const char* key) {
  std::vector<std::string> out;
  if (!t.contains(key)) return out;
  for (const auto& v : t.at(key).as_array()) out.push_back(v.as_string().str);
  return out;
}

std::string string(const Table& t, const char* key) { return t.contains(key) ? t.at(key).as_string().str : ""; }

// The catalogue is ringfence's own data, checked field by field by
// tests/unit/audit/controls_test.cpp; a broken copy would be a build defect,
// so a parse failure leaves the catalogue empty (and that test failing)
// rather than throwing into a verb.
std::vector<Control> parse_catalogue() {
  std::vector<Control> out;
  try {
    std::istringstream in{std::string(embedded_control_catalogue())};
    const auto root = toml::parse<toml::discard_comments, std::map, std::vector>(in, "audit/controls.toml");
    for (const auto& t : root.at("control").as_array()) {
      Control c;
      c.id = string(t, "id");
      if (!parse_severity(string(t, "severity"), &c.severity)) continue;
      c.title = string(t, "title");
      c.rationale = string(t, "rationale");
      c.remediation = string(t, "remediation");
      c.evidence = string(t, "evidence");
      c.trigger = string(t, "trigger");
      for (const auto& job : strings(t, "applies")) {
        if (job == "lint") c.lint = true;
        if (job == "audit") c.audit = true;
        if (job == "site") c.site = true;
        if (job == "image") c.image = true;
      }
      c.references = strings(t, "references");
      out.push_back(std::move(c));
    }
  } catch (const std::exception&) {
    out.clear();
  }
  std::sort(out.begin(), out.end(), [](const Control& a, const Control& b) { return a.id < b.id; });
  return out;
}

bool starts_with_any(const std::vector<std::string>& refs, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(refs.begin(), refs.end(), [&](const std::string& r) {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return r.starts_with(p); });
  });
}

constexpr const char* kSeverityNames[] = {"info", "low", "medium", "high", "critical"};

}  // namespace

const char* severity_name(Severity severity) { return kSeverityNames[static_cast<int>(severity)]; }

bool parse_severity(std::string_view text, Severity* out) {
  for (int i = 0; i < 5; ++i) {
    if (text == kSeverityNames[i]) {
      *out = static_cast<Severity>(i);
      return true;
    }
  }
  return false;
}

// The scale of docs/lint-rules.md: GitHub code scanning reads
// security-severity as >9 critical, 7–8.9 high, 4–6.9 medium, below low.
const char* sarif_level(Severity severity) {
  switch (severity) {
    case Severity::Critical:
    case Severity::High: return "error";
    case Severity::Medium: return "warning";
    case Severity::Low:
    case Severity::Info: break;
  }
  return "note";
}

const char* security_severity(Severity severity) {
  switch (severity) {
    case Severity::Critical: return "9.5";
    case Severity::High: return "8.0";
    case Severity::Medium: return "5.5";
    case Severity::Low: return "3.0";
    case Severity::Info: break;
  }
  return "";
}

bool Control::in_benchmark(std::string_view benchmark) const {
  if (benchmark == "all") return true;
  if (benchmark == "cis-docker") return starts_with_any(references, {"cis-docker-"});
  if (benchmark == "pss-baseline") return starts_with_any(references, {"pss:baseline:"});
  if (benchmark == "pss-restricted") return starts_with_any(references, {"pss:baseline:", "pss:restricted:"});
  return false;
}

const std::vector<Control>& controls() {
  static const std::vector<Control> catalogue = parse_catalogue();
  return catalogue;
}

const Control* find_control(std::string_view id) {
  const auto& all = controls();
  auto it = std::lower_bound(all.begin(), all.end(), id, [](const Control& c, std::string_view v) { return c.id < v; });
  return it != all.end() && it->id == id ? &*it : nullptr;
}

}  // namespace ringfence::audit
