// Lint throughput. The target (docs/performance.md) is 2,000 shipped-size
// profiles per second on one core, counting what `ringfence lint` does for
// each profile: compile it (read, validate, merge, plan) and run every rule.
//
//   BM_LintShipped/<name>  policy::compile + lint_profile, every rule at
//                          severity info and above; items/s = profiles/s.
//   BM_LintOnly/<name>     lint_profile on an already compiled profile: the
//                          rules' own cost.
//   BM_LintRender/<format> rendering the reports of the six shipped profiles.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "ringfence/audit/reporters.h"
#include "ringfence/lint/lint.h"
#include "ringfence/policy/loader.h"

namespace {

namespace policy = ringfence::policy;
namespace lint = ringfence::lint;
namespace audit = ringfence::audit;

lint::LintOptions every_rule() {
  lint::LintOptions o;
  o.min_severity = audit::Severity::Info;
  return o;
}

void BM_LintShipped(benchmark::State& state, const std::string& name) {
  const auto options = every_rule();
  for (auto _ : state) {
    auto compiled = policy::compile({name});
    policy::Diagnostics diags;
    auto report = lint::lint_profile(compiled, name, options, diags);
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_LintOnly(benchmark::State& state, const std::string& name) {
  const auto options = every_rule();
  const auto compiled = policy::compile({name});
  for (auto _ : state) {
    policy::Diagnostics diags;
    auto report = lint::lint_profile(compiled, name, options, diags);
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_LintRender(benchmark::State& state, audit::ReportFormat format) {
  std::vector<audit::Report> reports;
  for (const auto& name : policy::shipped_profile_names()) {
    policy::Diagnostics diags;
    reports.push_back(lint::lint_profile(policy::compile({name}), name, every_rule(), diags));
  }
  for (auto _ : state) benchmark::DoNotOptimize(audit::render_report(reports, format));
}

const int registered = [] {
  for (const auto& name : policy::shipped_profile_names()) {
    if (name.find('/') != std::string::npos) continue;  // the seccomp base is not a profile
    benchmark::RegisterBenchmark(("BM_LintShipped/" + name).c_str(), BM_LintShipped, name);
    benchmark::RegisterBenchmark(("BM_LintOnly/" + name).c_str(), BM_LintOnly, name);
  }
  benchmark::RegisterBenchmark("BM_LintRender/text", BM_LintRender, audit::ReportFormat::Text);
  benchmark::RegisterBenchmark("BM_LintRender/sarif", BM_LintRender, audit::ReportFormat::Sarif);
  benchmark::RegisterBenchmark("BM_LintRender/junit", BM_LintRender, audit::ReportFormat::Junit);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
