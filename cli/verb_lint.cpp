// ringfence lint PROFILE... [--benchmark B] [--format F] [--min-severity S]
// Exit 0: nothing at or above the minimum severity; 1: findings; 2: a usage
// error or a profile that does not compile (or names an unknown rule).
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/audit/reporters.h"
#include "ringfence/lint/lint.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

int list_rules(const std::string& format) {
  if (format == "markdown") {
    fmt::print("{}", lint::rules_markdown());
    return kExitOk;
  }
  for (const auto& id : lint::rule_ids()) {
    const audit::Control* c = audit::find_control(id);
    fmt::print("{:<12} {:<8} {}\n", c->id, audit::severity_name(c->severity), c->title);
  }
  return kExitOk;
}

}  // namespace

Verb add_lint(CLI::App& app) {
  struct Options {
    std::vector<std::string> profiles;
    std::string benchmark = "all", format = "text", min_severity = "low";
    bool list = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "lint", "Judge profiles against CIS Docker and the Pod Security Standards; exit 1 on findings, 2 on errors");
  cmd->add_option("profiles", o->profiles, "Profile files or shipped profile names");
  cmd->add_option("--benchmark", o->benchmark, "Which rules: cis-docker, pss-baseline, pss-restricted or all")
      ->check(CLI::IsMember({"cis-docker", "pss-baseline", "pss-restricted", "all"}))
      ->capture_default_str();
  cmd->add_option("--format", o->format, "text, json, sarif or junit (markdown with --list-rules)")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "markdown"}))
      ->capture_default_str();
  cmd->add_option("--min-severity", o->min_severity, "Ignore rules below: info, low, medium, high or critical")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}))
      ->capture_default_str();
  cmd->add_flag("--list-rules", o->list, "Print the rules instead (text, or markdown: docs/lint-rules.md)");
  return {cmd, [o] {
            if (o->list) return list_rules(o->format);
            if (o->profiles.empty()) {
              fmt::print(stderr, "ringfence lint: name at least one profile\n");
              return kExitUsage;
            }
            audit::ReportFormat format{};
            if (!audit::parse_report_format(o->format, &format)) {
              fmt::print(stderr, "ringfence lint: --format {} is only for --list-rules\n", o->format);
              return kExitUsage;
            }
            lint::LintOptions options;
            options.benchmark = o->benchmark;
            audit::parse_severity(o->min_severity, &options.min_severity);
            std::vector<audit::Report> reports;
            bool errors = false, findings = false;
            for (const auto& profile : o->profiles) {
              auto compiled = compile_with_flags({profile}, {});
              if (!compiled.ok()) {
                errors = true;
                continue;
              }
              policy::Diagnostics diags;
              auto report = lint::lint_profile(compiled, profile, options, diags);
              if (!diags.empty()) std::fputs(diags.format().c_str(), stderr);
              if (diags.has_errors()) {
                errors = true;
                continue;
              }
              findings = findings || lint::has_failures(report);
              reports.push_back(std::move(report));
            }
            fmt::print("{}", audit::render_report(reports, format));
            if (errors) return kExitUsage;
            return findings ? kExitInvalid : kExitOk;
          }};
}

}  // namespace ringfence::cli
