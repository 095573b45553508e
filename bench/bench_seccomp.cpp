// Per-syscall cost of the loaded default filter (profiles/default.toml,
// compiled as `ringfence run` compiles it), against no filter, in the same
// process: the unfiltered benchmarks run first, then the filter is loaded
// (it cannot be unloaded) and the same calls run again. The kernel caches
// the verdict of syscalls a filter always allows, so only calls that really
// run the filter are measured: a denied call, an unknown syscall number, and
// argument-filtered calls (personality, clone's flags, socket). For each,
// the BPF instructions the call executes are counted with the enforcer's
// interpreter on the same program and printed before the timings.
//
//   cmake --build build-bench --target bench_seccomp && build-bench/bench/bench_seccomp
//   (root, or any user: it sets no_new_privs itself)
#include <benchmark/benchmark.h>
#include <linux/audit.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ringfence/enforcer/bpf_program.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/enforcer/seccomp_load.h"
#include "ringfence/policy/compiler.h"

namespace {

namespace enforcer = ringfence::enforcer;
namespace policy = ringfence::policy;

struct Call {
  const char* name;
  long nr;
  unsigned long args[6];
};

// acct is denied without CAP_SYS_PACCT; 1023 is no syscall; personality's
// query and socket(AF_UNIX) pass their argument filters; clone with
// CLONE_NEWUSER is refused by its flag filter — and CLONE_FS with it makes
// the kernel refuse it too (EINVAL) when there is no filter, so that the
// unfiltered run never really clones.
const Call kCalls[] = {
    {"denied_acct", SYS_acct, {0}},
    {"unknown_nr_1023", 1023, {0}},
    {"personality_query", SYS_personality, {0xffffffff}},
    {"clone_newuser_denied", SYS_clone, {CLONE_NEWUSER | CLONE_FS}},
    {"socket_unix", SYS_socket, {AF_UNIX, SOCK_DGRAM, 0}},
    {"getppid_cached", SYS_getppid, {0}},
};

const enforcer::CompiledFilter* g_filter = nullptr;

// Loads the filter the first time a filtered benchmark runs: benchmarks run
// in registration order, so every unfiltered one has run by then.
void ensure_filter_loaded() {
  static bool loaded = false;
  if (loaded) return;
  loaded = true;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) std::abort();
  auto listener = enforcer::load_filter(*g_filter);
  if (!listener) {
    std::fprintf(stderr, "load: %s\n", listener.status().message.c_str());
    std::abort();
  }
}

void BM_Syscall(benchmark::State& state, const Call& call, bool filtered) {
  if (filtered) ensure_filter_loaded();
  for (auto _ : state) {
    long r = syscall(call.nr, call.args[0], call.args[1], call.args[2], call.args[3], call.args[4], call.args[5]);
    if (call.nr == SYS_socket && r >= 0) close(static_cast<int>(r));
    benchmark::DoNotOptimize(r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  auto compiled = policy::compile({"default"});
  if (!compiled.ok()) return 1;
  std::string error;
  auto filter = enforcer::compile_filter((*compiled.plan->params<policy::StepKind::SeccompCompile>()), error);
  if (!filter) {
    std::fprintf(stderr, "compile: %s\n", error.c_str());
    return 1;
  }
  g_filter = &*filter;
  std::printf("filter: %zu instructions\n", filter->program.insns.size());
  for (const auto& c : kCalls) {
    seccomp_data data{};
    data.nr = static_cast<int>(c.nr);
    data.arch = AUDIT_ARCH_X86_64;
    for (int i = 0; i < 6; ++i) data.args[i] = c.args[i];
    auto r = enforcer::bpf_run(filter->program, data);
    std::printf("  %-22s %3zu instructions executed\n", c.name, r ? r->executed : 0);
  }
  for (bool filtered : {false, true})
    for (const auto& c : kCalls)
      benchmark::RegisterBenchmark((std::string(filtered ? "default_filter/" : "no_filter/") + c.name).c_str(),
                                   BM_Syscall, c, filtered);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
