// The control catalogue: every lint rule and compliance control, as data in
// one place (audit/controls.toml, embedded in the binary). The SARIF rule
// list, the JUnit test names and docs/lint-rules.md are generated from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ringfence::audit {

enum class Severity { Info, Low, Medium, High, Critical };
const char* severity_name(Severity severity);           // "info" ... "critical"
bool parse_severity(std::string_view text, Severity* out);
const char* sarif_level(Severity severity);             // error | warning | note
const char* security_severity(Severity severity);       // "9.5", "8.0", "5.5", "3.0", "" for info

struct Control {
  std::string id;           // "RF-CAP-001"
  Severity severity = Severity::Medium;
  std::string title;        // short: "Capability SYS_ADMIN or ALL added"
  std::string rationale;    // why it matters
  std::string remediation;  // how to fix it in a profile
  std::string evidence;     // what the compliance check reads off a live process
  std::string trigger;      // what in a compiled profile makes the lint rule fire
  bool lint = false, audit = false;  // which jobs judge it ("applies")
  bool site = false;  // a decision of the site policy floor ("site"), reported by lint --site-policy
  bool image = false;  // judged on a stored image's config and tree by `image lint` ("image")
  // Mappings: "cis-docker-1.6.0:5.4", "pss:baseline:capabilities",
  // "pss:restricted:capabilities", "nist-800-190:4.4.3".
  std::vector<std::string> references;

  // Whether the control is in a benchmark's selection: "cis-docker",
  // "pss-baseline", "pss-restricted" (baseline references count for
  // restricted too) or "all". Derived from the references, so a mapping is
  // written once.
  bool in_benchmark(std::string_view benchmark) const;
};

inline constexpr const char* kBenchmarks[] = {"cis-docker", "pss-baseline", "pss-restricted", "all"};

// The whole catalogue, in ID order. Parsed once from the embedded data.
const std::vector<Control>& controls();
// nullptr when `id` is not in the catalogue.
const Control* find_control(std::string_view id);

}  // namespace ringfence::audit
