// The tree and the timing loop behind bench/harden.sh.
//
//   harden_runner make ROOT FILES DIRS      build the tree (1% of files setuid/setgid)
//   harden_runner run ROOT FILES DIRS ROUNDS REFERENCE [--remove FILE] NAME=COMMAND...
//
// The tree: DIRS leaf directories in groups of 100 under DIRS/100 top-level
// ones, FILES/DIRS empty files in each; one file in 100 is setuid (04755)
// or setgid (02755), alternately. Each round runs every command once (the
// order alternates between rounds), each on a tree whose bits were put back
// beforehand, outside the timing; after each run the bits must be gone (a
// command that leaves any counts as a failure). COMMAND is split on spaces.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Layout {
  std::string root;
  long files = 0, dirs = 0;
  long per_dir() const { return files / dirs; }
  std::string dir(long leaf) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "/d%03ld/s%03ld", leaf / 100, leaf % 100);
    return root + buf;
  }
  std::string file(long k) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "/f%06ld", k);
    return dir(k / per_dir()) + buf;
  }
  static bool special(long k) { return k % 100 == 7; }
  static mode_t special_mode(long k) { return (k / 100) % 2 ? 02755 : 04755; }
};

int make(const Layout& l) {
  if (mkdir(l.root.c_str(), 0755) != 0) return std::perror(l.root.c_str()), 1;
  for (long top = 0; top < l.dirs / 100; ++top) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "/d%03ld", top);
    if (mkdir((l.root + buf).c_str(), 0755) != 0) return std::perror(buf), 1;
  }
  for (long leaf = 0; leaf < l.dirs; ++leaf)
    if (mkdir(l.dir(leaf).c_str(), 0755) != 0) return std::perror(l.dir(leaf).c_str()), 1;
  for (long k = 0; k < l.files; ++k) {
    const int fd = open(l.file(k).c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || fchmod(fd, Layout::special(k) ? Layout::special_mode(k) : (k % 3 ? 0644 : 0755)) != 0)
      return std::perror(l.file(k).c_str()), 1;
    close(fd);
  }
  return 0;
}

// Puts the bits back; returns how many special files had lost them.
long reset(const Layout& l) {
  long fixed = 0;
  for (long k = 7; k < l.files; k += 100) {
    struct stat st {};
    if (stat(l.file(k).c_str(), &st) == 0 && (st.st_mode & 07777) != Layout::special_mode(k)) {
      chmod(l.file(k).c_str(), Layout::special_mode(k));
      ++fixed;
    }
  }
  return fixed;
}

struct Command {
  std::string name;
  std::vector<std::string> argv;
  std::vector<double> ms;
  int failures = 0;
};

double run_once(const Command& c, bool& ok) {
  std::vector<char*> argv;
  for (const auto& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const auto end = std::chrono::steady_clock::now();
  // A report exits 1 when it found something.
  ok = WIFEXITED(status) && WEXITSTATUS(status) <= 1;
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

int run(const Layout& l, int rounds, const std::string& reference, const std::string& remove,
        std::vector<Command> commands) {
  const long specials = l.files / 100;
  for (int round = -1; round < rounds; ++round) {  // round -1 warms the caches and is not counted
    for (std::size_t n = 0; n < commands.size(); ++n) {
      auto& c = commands[round % 2 ? commands.size() - 1 - n : n];
      reset(l);
      if (!remove.empty()) unlink(remove.c_str());
      bool ok = false;
      const double ms = run_once(c, ok);
      // Every special file must have lost its bits, except after a command
      // that only reports (its name says so).
      const long stripped = reset(l);
      const bool reports = c.name.find("report") != std::string::npos;
      if (!ok || (!reports && stripped != specials)) {
        std::fprintf(stderr, "%s: exit %s, stripped %ld of %ld\n", c.name.c_str(), ok ? "ok" : "failed", stripped,
                     specials);
        ++c.failures;
        continue;
      }
      if (round >= 0) c.ms.push_back(ms);
    }
  }
  double ref = 0;
  for (const auto& c : commands)
    if (c.name == reference) ref = percentile(c.ms, 0.5);
  std::printf("%-26s %10s %10s %10s %9s %s\n", "command", "median", "min", "max", (reference + "/this").c_str(), "failures");
  for (const auto& c : commands) {
    const double median = percentile(c.ms, 0.5);
    std::printf("%-26s %8.1fms %8.1fms %8.1fms %7.2fx %d\n", c.name.c_str(), median, percentile(c.ms, 0.0),
                percentile(c.ms, 1.0), median > 0 ? ref / median : 0.0, c.failures);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s make|run ROOT FILES DIRS [ROUNDS REFERENCE [--remove FILE] NAME=COMMAND...]\n",
                 argv[0]);
    return 2;
  }
  const std::string verb = argv[1];
  Layout l{argv[2], std::atol(argv[3]), std::atol(argv[4])};
  if (l.dirs < 100 || l.dirs % 100 || l.files < l.dirs) return std::fprintf(stderr, "DIRS: a multiple of 100\n"), 2;
  if (verb == "make") return make(l);
  if (verb != "run" || argc < 8) return 2;
  const int rounds = std::atoi(argv[5]);
  const std::string reference = argv[6];
  int i = 7;
  std::string remove;
  if (std::string(argv[i]) == "--remove" && i + 1 < argc) {
    remove = argv[i + 1];
    i += 2;
  }
  std::vector<Command> commands;
  for (; i < argc; ++i) {
    const std::string spec = argv[i];
    const auto eq = spec.find('=');
    if (eq == std::string::npos) return 2;
    Command c{spec.substr(0, eq), {}, {}, 0};
    std::istringstream words(spec.substr(eq + 1));
    for (std::string w; words >> w;) c.argv.push_back(w);
    commands.push_back(std::move(c));
  }
  return run(l, rounds, reference, remove, std::move(commands));
}
