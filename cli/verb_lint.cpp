// ringfence lint PROFILE... [--oci BUNDLE]... [--site-policy FILE]
//                [--benchmark B] [--format F] [--min-severity S]
// Exit 0: nothing at or above the minimum severity; 1: findings; 2: a usage
// error, a profile or bundle that does not compile (or names an unknown
// rule), or a site policy with errors.
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/audit/reporters.h"
#include "ringfence/lint/lint.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/oci_config.h"
#include "site_floor.h"
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

// One subject: what it asks for, compiled as it would run without a floor
// (the rules judge the request), and its layers for the floor to judge.
struct Subject {
  std::string name;
  policy::Compiled compiled;
  std::vector<policy::Layer> layers;
  std::vector<policy::SourceLocation> privileged_asks;
};

std::optional<Subject> read_profile(const std::string& ref) {
  Subject s{ref, compile_with_flags({ref}, {}), {}, {}};
  if (!s.compiled.ok()) return std::nullopt;
  s.layers = s.compiled.layers;
  return s;
}

std::optional<Subject> read_bundle(const std::string& dir) {
  policy::Diagnostics diags;
  auto bundle = policy::read_oci_bundle(dir, diags);
  Subject s;
  if (bundle) {
    policy::CompileOptions options;
    options.rootfs = bundle->root;
    s.compiled = policy::compile_oci(*bundle, options);
    diags.append(s.compiled.diags);
  }
  if (!diags.empty()) std::fputs(diags.format().c_str(), stderr);
  if (!bundle || !s.compiled.ok()) return std::nullopt;
  s.name = bundle->bundle + "/config.json";
  s.layers = {bundle->layer};
  s.privileged_asks = bundle->privileged_asks;
  return s;
}

}  // namespace

Verb add_lint(CLI::App& app) {
  struct Options {
    std::vector<std::string> profiles, bundles;
    std::string site_policy;
    std::string benchmark = "all", format = "text", min_severity = "low";
    bool list = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "lint", "Judge profiles against CIS Docker and the Pod Security Standards; exit 1 on findings, 2 on errors");
  cmd->add_option("profiles", o->profiles, "Profile files or shipped profile names");
  cmd->add_option("--oci", o->bundles, "An OCI bundle (its directory, or its config.json), judged by its config.json (repeatable)");
  cmd->add_option("--site-policy", o->site_policy,
                  "Also judge each against this site policy floor (default /etc/ringfence/policy.toml when it "
                  "exists); alone, check the policy file");
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
            auto floor = load_floor(o->site_policy);
            if (!floor) {
              fmt::print(stderr, "ringfence lint: {}", floor.status().message);
              return kExitUsage;
            }
            if (o->profiles.empty() && o->bundles.empty()) {
              if (!o->site_policy.empty()) {
                fmt::print("{}: a valid site policy\n", o->site_policy);
                return kExitOk;
              }
              fmt::print(stderr, "ringfence lint: name at least one profile, bundle (--oci) or --site-policy\n");
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
            std::vector<std::optional<Subject>> subjects;
            for (const auto& profile : o->profiles) subjects.push_back(read_profile(profile));
            for (const auto& bundle : o->bundles) subjects.push_back(read_bundle(bundle));
            std::vector<audit::Report> reports;
            bool errors = false, findings = false;
            for (auto& subject : subjects) {
              if (!subject) {
                errors = true;
                continue;
              }
              policy::Diagnostics diags;
              auto report = lint::lint_profile(subject->compiled, subject->name, options, diags);
              if (!diags.empty()) std::fputs(diags.format().c_str(), stderr);
              if (diags.has_errors()) {
                errors = true;
                continue;
              }
              if (floor->has_value())
                add_floor_findings(report, policy::apply_floor(**floor, subject->layers, subject->privileged_asks));
              findings = findings || lint::has_failures(report);
              reports.push_back(std::move(report));
            }
            fmt::print("{}", audit::render_report(reports, format));
            if (errors) return kExitUsage;
            return findings ? kExitInvalid : kExitOk;
          }};
}

}  // namespace ringfence::cli
