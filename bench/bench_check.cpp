// Benchmarks of the compliance check (`ringfence audit check`) on one live
// sandbox: the target (docs/performance.md) is under 20 ms per process.
//
//   BM_CheckSandbox         check_compliance: read every fact under a pidfd
//                           (with the seccomp filter through ptrace) and judge
//                           it against the compiled default profile.
//   BM_ReadFacts            read_process_facts alone, filter included.
//   BM_ReadFactsNoFilter    the same without PTRACE_SECCOMP_GET_FILTER.
//   BM_Judge                judge_compliance on facts already read: the
//                           verify of every step, the seccomp comparison in
//                           the BPF interpreter included.
//
// Needs root: main() starts a detached sandbox with the ringfence binary of
// this build (`default` profile, `sleep`) and deletes it at the end.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ringfence/audit/compliance.h"
#include "ringfence/enforcer/verify.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/runtime/state.h"

namespace {

namespace audit = ringfence::audit;
namespace enforcer = ringfence::enforcer;
namespace policy = ringfence::policy;

const char* kName = "bench-check";
std::string g_root;
pid_t g_pid = 0;

const policy::Plan& plan() {
  static const policy::Compiled c = policy::compile({"default"});
  return *c.plan;
}

void BM_CheckSandbox(benchmark::State& state) {
  audit::CheckTarget target;
  target.pid = g_pid;
  target.sandbox = kName;
  for (auto _ : state) {
    audit::Report report;
    if (!audit::check_compliance(plan(), target, report) || !audit::all_pass(report)) {
      state.SkipWithError("the sandbox does not pass against default");
      break;
    }
    benchmark::DoNotOptimize(report);
  }
}
BENCHMARK(BM_CheckSandbox)->Unit(benchmark::kMillisecond);

void read_facts(benchmark::State& state, bool filters) {
  enforcer::FactsOptions options;
  options.read_seccomp_filters = filters;
  options.probe_paths = enforcer::paths_to_probe(plan());
  for (auto _ : state) {
    enforcer::ProcessFacts facts;
    if (!enforcer::read_process_facts(g_pid, options, facts)) {
      state.SkipWithError("cannot read the sandbox");
      break;
    }
    benchmark::DoNotOptimize(facts);
  }
}
void BM_ReadFacts(benchmark::State& state) { read_facts(state, true); }
void BM_ReadFactsNoFilter(benchmark::State& state) { read_facts(state, false); }
BENCHMARK(BM_ReadFacts)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadFactsNoFilter)->Unit(benchmark::kMillisecond);

void BM_Judge(benchmark::State& state) {
  enforcer::FactsOptions options;
  options.probe_paths = enforcer::paths_to_probe(plan());
  enforcer::ProcessFacts facts;
  if (!enforcer::read_process_facts(g_pid, options, facts)) {
    state.SkipWithError("cannot read the sandbox");
    return;
  }
  facts.sandbox = kName;
  for (auto _ : state) benchmark::DoNotOptimize(audit::judge_compliance(plan(), facts, "bench"));
}
BENCHMARK(BM_Judge)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "bench_check starts a sandbox and needs root\n");
    return 1;
  }
  char tmpl[] = "/tmp/ringfence-bench-check-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  g_root = tmpl;
  const std::string rf = std::string(RINGFENCE_BINARY) + " --root " + g_root;
  if (std::system((rf + " run --name " + kName + " --detach --profile default -- /bin/sleep 3600 >/dev/null").c_str()) !=
      0) {
    std::fprintf(stderr, "cannot start the sandbox\n");
    return 1;
  }
  const auto s = ringfence::runtime::read_state(g_root, kName);
  g_pid = s ? s->pid : 0;
  int rc = 1;
  if (g_pid > 0) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    rc = 0;
  }
  (void)std::system((rf + " delete --force " + kName + " >/dev/null").c_str());
  (void)std::system(("rm -rf " + g_root).c_str());
  return rc;
}
