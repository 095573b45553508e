// Times whole-process starts of several commands side by side: each round
// runs every command once, in turn, so that they share the machine's state;
// then prints the median, the 90th percentile and the peak RSS of each, and
// the ratio of each median to a reference command's.
//
//   startup_runner ROUNDS REFERENCE NAME=COMMAND... [NAME=COMMAND...]
//
// COMMAND is split on spaces (no quoting); "{i}" becomes the round number.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Command {
  std::string name;
  std::vector<std::string> argv;
  std::vector<double> ms;
  long max_rss_kb = 0;
  int failures = 0;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

std::string substitute(std::string s, int round) {
  const std::string key = "{i}";
  for (auto pos = s.find(key); pos != std::string::npos; pos = s.find(key))
    s.replace(pos, key.size(), std::to_string(round));
  return s;
}

// One run: wall time in ms; `rss` gets the peak RSS of the process tree that
// wait4 accounts for (the command and the children it waited for).
double run_once(const Command& c, int round, long& rss, bool& ok) {
  std::vector<std::string> args;
  for (const auto& a : c.argv) args.push_back(substitute(a, round));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const auto end = std::chrono::steady_clock::now();
  rss = usage.ru_maxrss;
  ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ROUNDS REFERENCE NAME=COMMAND...\n", argv[0]);
    return 2;
  }
  const int rounds = std::atoi(argv[1]);
  const std::string reference = argv[2];
  std::vector<Command> commands;
  for (int i = 3; i < argc; ++i) {
    const std::string spec = argv[i];
    const auto eq = spec.find('=');
    if (eq == std::string::npos) return 2;
    commands.push_back({spec.substr(0, eq), split(spec.substr(eq + 1)), {}, 0, 0});
  }
  for (int round = 0; round < rounds; ++round) {
    for (auto& c : commands) {
      long rss = 0;
      bool ok = false;
      const double ms = run_once(c, round, rss, ok);
      if (!ok) {
        ++c.failures;
        continue;
      }
      c.ms.push_back(ms);
      c.max_rss_kb = std::max(c.max_rss_kb, rss);
    }
  }
  double ref = 0;
  for (const auto& c : commands)
    if (c.name == reference) ref = percentile(c.ms, 0.5);
  std::printf("%-22s %8s %8s %8s %10s %9s %s\n", "command", "median", "p90", "min", "peak RSS", "ratio", "failures");
  for (const auto& c : commands) {
    const double median = percentile(c.ms, 0.5);
    std::printf("%-22s %6.2fms %6.2fms %6.2fms %7.1fMiB %8.2fx %d\n", c.name.c_str(), median, percentile(c.ms, 0.9),
                percentile(c.ms, 0.0), static_cast<double>(c.max_rss_kb) / 1024.0, ref > 0 ? median / ref : 0.0,
                c.failures);
  }
  return 0;
}
