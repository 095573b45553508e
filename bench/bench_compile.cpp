// Benchmarks of the policy compiler: profile reference -> validated,
// merged profile -> ordered plan. The target (docs/performance.md) is under
// 1 ms per shipped profile on the reference machine.
//
//   BM_CompileShipped/<name>   policy::compile({"<name>"}): read the embedded
//                              TOML of the profile and every profile it
//                              extends, validate, merge, resolve
//                              capabilities and seccomp, build the plan.
//   BM_CompileText/<name>      the same profile given as TOML text (as a
//                              profile file would be), parsed in the loop.
//   BM_CompileWorkedExample    the worked example of docs/profiles.md: a text
//                              profile with its own seccomp rules and mounts.
//   BM_ReadLayer/<file>        TOML parsing alone (read_layer), to show how
//                              much of a compile is the TOML reader.
//   BM_CompileLayersOnly/<n>   compile_layers on layers already read (no TOML).
//   BM_PlanToJson/<name>       rendering the plan as JSON (what `plan --format
//                              json` and the plan hash do after compiling).
//
// Before the benchmarks run, main() times the first compile of the process
// ("cold"): it includes the one-time parse of the default seccomp base and the
// static name tables, which every later compile reuses.
//
// --fresh=N instead runs no benchmark: for each shipped profile it starts
// this program N times with --first-compile=NAME, each a fresh process that
// times its first compile of NAME before doing anything else (what one
// `ringfence run` pays; the per-process tables are built inside it), and
// prints the median, the fastest and the slowest.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/plan_json.h"

namespace {

namespace policy = ringfence::policy;

const std::vector<std::string>& shipped() {
  static const std::vector<std::string> names = policy::shipped_profile_names();
  return names;
}

// The worked example of docs/profiles.md, section 7 (keep the two the same).
constexpr const char* kWorkedExample = R"(# web-frontend.toml
[profile]
schema = 1
name = "web-frontend"
description = "nginx on a read-only root as uid 101, static files from /srv/www"
extends = "application"      # non-root, read-only root, ambient NET_BIND_SERVICE, limits

[user]
user = "101:101"             # replaces application's 65534:65534

[seccomp]                    # this header must come before [[seccomp.rules]]
default_errno = "EPERM"

# Only Unix, IPv4 and IPv6 sockets. These rules own `socket`: the base's
# unconditional allow is dropped. socket's first argument is an int, so each
# `eq` compares the low 32 bits.
[[seccomp.rules]]
syscalls = ["socket"]
action = "allow"
args = [{ index = 0, op = "eq", value = 1 }]    # AF_UNIX
[[seccomp.rules]]
syscalls = ["socket"]
action = "allow"
args = [{ index = 0, op = "eq", value = 2 }]    # AF_INET
[[seccomp.rules]]
syscalls = ["socket"]
action = "allow"
args = [{ index = 0, op = "eq", value = 10 }]   # AF_INET6

# nginx never traces anything: kill instead of the base's allow.
[[seccomp.rules]]
syscalls = ["ptrace"]
action = "kill-process"

[filesystem]
masked_paths = ["...", "/proc/config.gz"]       # Docker's ten plus one

[[filesystem.tmpfs]]
path = "/var/cache/nginx"
size = "32M"
mode = "0700"

[[filesystem.tmpfs]]
path = "/run"
size = "1M"

[[filesystem.volumes]]
source = "/srv/www"
target = "/usr/share/nginx/html"
readonly = true

[resources]
memory = "256M"
memory_swap = "256M"         # no swap; must be >= memory (application had 512M)
pids_limit = 64

[rlimits]
nofile = "1024:4096"         # the same as application's; written for the reader

[process.env]
NGINX_ENTRYPOINT_QUIET_LOGS = "1"   # added to the inherited PATH
)";

// Reads `text` (as file `name`) with everything it extends, as a profile
// file given on the command line is read, and compiles it.
policy::Compiled compile_text(const std::string& text, const std::string& name) {
  policy::Diagnostics diags;
  auto layer = policy::read_layer(text, name, 0, diags);
  if (!layer) {
    policy::Compiled failed;
    failed.diags = std::move(diags);
    return failed;
  }
  std::vector<policy::Layer> layers;
  if (layer->data.profile.extends.is_set())
    layers = policy::load_chain(layer->data.profile.extends.value, diags, layer->data.profile.extends.origin);
  layers.push_back(std::move(*layer));
  return policy::compile_layers(std::move(layers));
}

void BM_CompileShipped(benchmark::State& state, const std::string& name) {
  {
    auto c = policy::compile({name});
    if (!c.ok()) {
      state.SkipWithError(("does not compile: " + c.diags.format()).c_str());
      return;
    }
    state.counters["steps"] = static_cast<double>(c.plan->steps.size());
  }
  for (auto _ : state) {
    auto c = policy::compile({name});
    benchmark::DoNotOptimize(c);
  }
}

void BM_CompileText(benchmark::State& state, const std::string& name) {
  const std::string text(*policy::shipped_profile_text(name));
  const std::string file = "profiles/" + name + ".toml";
  if (!compile_text(text, file).ok()) {
    state.SkipWithError("does not compile");
    return;
  }
  for (auto _ : state) {
    auto c = compile_text(text, file);
    benchmark::DoNotOptimize(c);
  }
}

void BM_CompileWorkedExample(benchmark::State& state) {
  const std::string text = kWorkedExample;
  auto first = compile_text(text, "web-frontend.toml");
  if (!first.ok()) {
    state.SkipWithError(("does not compile: " + first.diags.format()).c_str());
    return;
  }
  for (auto _ : state) {
    auto c = compile_text(text, "web-frontend.toml");
    benchmark::DoNotOptimize(c);
  }
}

void BM_ReadLayer(benchmark::State& state, const std::string& path) {
  const std::string text(*policy::embedded_file(path));
  for (auto _ : state) {
    policy::Diagnostics diags;
    auto layer = policy::read_layer(text, path, 0, diags);
    benchmark::DoNotOptimize(layer);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_CompileLayersOnly(benchmark::State& state, const std::string& name) {
  policy::Diagnostics diags;
  const auto layers = policy::load_chain(name, diags);
  if (layers.empty() || diags.has_errors()) {
    state.SkipWithError("cannot load");
    return;
  }
  for (auto _ : state) {
    auto c = policy::compile_layers(layers);  // copies the layers, as compile() hands them over
    benchmark::DoNotOptimize(c);
  }
}

void BM_PlanToJson(benchmark::State& state, const std::string& name) {
  auto c = policy::compile({name});
  if (!c.ok()) {
    state.SkipWithError("does not compile");
    return;
  }
  for (auto _ : state) {
    auto j = policy::plan_to_json(*c.plan);
    benchmark::DoNotOptimize(j);
  }
}

// The first compile of a process, including one-time initialisation.
double cold_compile_ms() {
  const auto start = std::chrono::steady_clock::now();
  auto c = policy::compile({"default"});
  const auto end = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(c);
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// Child of --fresh: the first compile of this process, wall and CPU time
// in microseconds, on stdout. On a shared machine the CPU time is the
// steadier of the two: the wall time also counts waiting for a core.
int first_compile(const std::string& name) {
  const double cpu_start = thread_cpu_us();
  const auto start = std::chrono::steady_clock::now();
  auto c = policy::compile({name});
  const auto end = std::chrono::steady_clock::now();
  const double cpu = thread_cpu_us() - cpu_start;
  if (!c.ok()) return 1;
  std::printf("%.1f %.1f\n", std::chrono::duration<double, std::micro>(end - start).count(), cpu);
  return 0;
}

struct Times {
  double wall = -1, cpu = -1;  // microseconds; < 0: the child failed
};

// One fresh process's first compile of `name`.
Times fresh_process_compile(const std::string& self, const std::string& name) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string arg = "--first-compile=" + name;
    execl(self.c_str(), self.c_str(), arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[64];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  Times t;
  if (std::sscanf(out.c_str(), "%lf %lf", &t.wall, &t.cpu) != 2) return {};
  return t;
}

// "median min max" of `v` (sorted here).
std::string spread(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%8.1f %8.1f %8.1f", v[v.size() / 2], v.front(), v.back());
  return buf;
}

int fresh(int runs) {
  const std::string self = "/proc/self/exe";
  std::printf("first compile of a fresh process, %d processes each, microseconds\n", runs);
  std::printf("%-20s %-26s %-26s\n", "profile", "wall: median min max", "CPU: median min max");
  for (const auto& name : shipped()) {
    std::vector<double> wall, cpu;
    for (int i = 0; i < runs; ++i) {
      const Times t = fresh_process_compile(self, name);
      if (t.wall < 0) {
        std::fprintf(stderr, "bench_compile: the child for %s failed\n", name.c_str());
        return 1;
      }
      wall.push_back(t.wall);
      cpu.push_back(t.cpu);
    }
    std::printf("%-20s %-26s %-26s\n", name.c_str(), spread(wall).c_str(), spread(cpu).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--first-compile=")) return first_compile(std::string(arg.substr(16)));
    if (arg.starts_with("--fresh=")) return fresh(std::max(1, std::stoi(std::string(arg.substr(8)))));
  }
  const double cold = cold_compile_ms();
  benchmark::AddCustomContext("cold_first_compile_default_ms", std::to_string(cold));

  for (const auto& name : shipped()) {
    benchmark::RegisterBenchmark(("BM_CompileShipped/" + name).c_str(), BM_CompileShipped, name)
        ->Unit(benchmark::kMicrosecond);
  }
  for (const auto& name : shipped()) {
    benchmark::RegisterBenchmark(("BM_CompileText/" + name).c_str(), BM_CompileText, name)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("BM_CompileWorkedExample", BM_CompileWorkedExample)->Unit(benchmark::kMicrosecond);
  for (const std::string path : {"profiles/default.toml", "profiles/strict.toml", "profiles/seccomp/default.toml"}) {
    benchmark::RegisterBenchmark(("BM_ReadLayer/" + path).c_str(), BM_ReadLayer, path)
        ->Unit(benchmark::kMicrosecond);
  }
  for (const std::string name : {"default", "strict"}) {
    benchmark::RegisterBenchmark(("BM_CompileLayersOnly/" + name).c_str(), BM_CompileLayersOnly, name)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_PlanToJson/" + name).c_str(), BM_PlanToJson, name)
        ->Unit(benchmark::kMicrosecond);
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
