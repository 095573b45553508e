// docs/lint-rules.md, generated from the catalogue so that the document and
// the rules cannot drift apart (tests/unit/lint compares the two).
#include <cctype>

#include <fmt/core.h>
#include <fmt/format.h>

#include "ringfence/lint/lint.h"

namespace ringfence::lint {
namespace {

// "cis-docker-1.6.0:5.4" -> "CIS Docker 1.6.0 5.4"; "pss:restricted:capabilities"
// -> "PSS restricted: capabilities"; "nist-800-190:4.4.3" -> "NIST SP 800-190 4.4.3".
std::string reference_text(const std::string& ref) {
  if (ref.starts_with("cis-docker-")) {
    const auto colon = ref.find(':');
    return fmt::format("CIS Docker {} {}", ref.substr(11, colon - 11), ref.substr(colon + 1));
  }
  if (ref.starts_with("pss:")) {
    const auto second = ref.find(':', 4);
    return fmt::format("PSS {}: {}", ref.substr(4, second - 4), ref.substr(second + 1));
  }
  if (ref.starts_with("nist-800-190:")) return "NIST SP 800-190 " + ref.substr(13);
  return ref;
}

// GitHub's anchor for a "## RF-CAP-001" heading.
std::string anchor(std::string id) {
  for (char& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return id;
}

std::string benchmarks(const audit::Control& c) {
  std::vector<std::string> in;
  for (const char* b : {"cis-docker", "pss-baseline", "pss-restricted"})
    if (c.in_benchmark(b)) in.push_back(fmt::format("`{}`", b));
  return in.empty() ? "`all` only" : fmt::format("{}", fmt::join(in, ", "));
}

}  // namespace

std::string rules_markdown() {
  std::string out =
      "# Lint rules\n\n"
      "<!-- Generated from audit/controls.toml by `ringfence lint --list-rules --format markdown`;\n"
      "     tests/unit/lint/engine_test.cpp fails when this file and the catalogue differ. -->\n\n"
      "`ringfence lint` judges each profile after `extends` is resolved and the plan is\n"
      "compiled, so an inherited setting is judged by its effect and reported at the\n"
      "line of the file that wrote it. Rule IDs are stable: a profile suppresses a\n"
      "finding with `[[lint.ignore]]` and a reason (docs/profiles.md). IDs shared with\n"
      "`ringfence audit check` name the same setting read off a running process.\n\n"
      "Severities map to SARIF as critical and high → `error` (security-severity 9.5\n"
      "and 8.0), medium → `warning` (5.5), low → `note` (3.0), info → `note`.\n"
      "`--benchmark` selects the rules mapped to CIS Docker Benchmark 1.6.0\n"
      "(`cis-docker`), the Pod Security Standards baseline (`pss-baseline`) or\n"
      "restricted level (`pss-restricted`, which includes baseline), or every rule\n"
      "(`all`, the default).\n\n"
      "```\n"
      "ringfence lint PROFILE... [--oci BUNDLE]... [--site-policy FILE]\n"
      "               [--benchmark cis-docker|pss-baseline|pss-restricted|all]\n"
      "               [--format text|json|sarif|junit] [--min-severity info|low|medium|high|critical]\n"
      "ringfence lint --list-rules [--format text|markdown]\n"
      "```\n\n"
      "It exits 0 when no rule at or above the minimum severity (default `low`)\n"
      "finds anything, 1 when one does (suppressed findings do not count), and 2\n"
      "when a profile does not compile, a suppression names an unknown rule, or the\n"
      "command line is wrong. Text goes to people; JSON to scripts; SARIF 2.1.0 to\n"
      "code-scanning services (passes are results of kind `pass`); JUnit XML to CI\n"
      "test reports (a test case per rule).\n\n"
      "| ID | Severity | Title | Benchmarks |\n|---|---|---|---|\n";
  std::size_t count = 0;
  for (const auto& c : audit::controls())
    if (c.lint) {
      out += fmt::format("| [{}](#{}) | {} | {} | {} |\n", c.id, anchor(c.id),
                         audit::severity_name(c.severity), c.title, benchmarks(c));
      ++count;
    }
  out += fmt::format("\n{} rules.\n", count);
  for (const auto& c : audit::controls()) {
    if (!c.lint) continue;
    std::vector<std::string> refs;
    for (const auto& r : c.references) refs.push_back(reference_text(r));
    out += fmt::format("\n## {}\n\n**{}** — {}\n\n", c.id, audit::severity_name(c.severity), c.title);
    out += fmt::format("- **Triggers:** {}\n", c.trigger);
    out += fmt::format("- **Why it matters:** {}\n", c.rationale);
    out += fmt::format("- **How to fix it:** {}\n", c.remediation);
    out += fmt::format("- **Maps to:** {}\n", fmt::join(refs, "; "));
    if (c.audit) out += fmt::format("- **At run time** (`ringfence audit check`): {}\n", c.evidence);
  }
  out +=
      "\n## Site policy floor\n\n"
      "With `--site-policy FILE` (or when `/etc/ringfence/policy.toml` exists) each\n"
      "profile and bundle is also judged against the floor that `ringfence-oci`\n"
      "enforces (docs/oci.md): every decision of the floor is a finding at the place\n"
      "that asked. `lint --site-policy FILE` alone checks the policy file.\n\n";
  for (const auto& c : audit::controls()) {
    if (!c.site) continue;
    out += fmt::format("- **{}** ({}) — {}. {} {}\n", c.id, audit::severity_name(c.severity), c.title,
                       c.rationale, c.remediation);
  }
  out +=
      "\n## Image lint\n\n"
      "`ringfence image lint IMAGE` judges a stored image — its config and its\n"
      "flattened tree — by the image-side items of CIS Docker Benchmark section 4\n"
      "(docs/image-lint.md). It takes the same `--format` and `--min-severity` and\n"
      "exits the same way.\n";
  for (const auto& c : audit::controls()) {
    if (!c.image) continue;
    std::vector<std::string> refs;
    for (const auto& r : c.references) refs.push_back(reference_text(r));
    out += fmt::format("\n### {}\n\n**{}** — {}\n\n", c.id, audit::severity_name(c.severity), c.title);
    out += fmt::format("- **Triggers:** {}\n", c.trigger);
    out += fmt::format("- **Why it matters:** {}\n", c.rationale);
    out += fmt::format("- **How to fix it:** {}\n", c.remediation);
    out += fmt::format("- **Maps to:** {}\n", fmt::join(refs, "; "));
  }
  return out;
}

}  // namespace ringfence::lint
