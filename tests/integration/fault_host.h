// What the fault tests make on the host to give ringfence real faults — a
// tiny tmpfs to fill, a pids cgroup to run it in — and remove whatever
// happens, and the processes a test looks for afterwards.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "harness.h"
#include "waits.h"

namespace ringfence::itest {

// A tmpfs of `size` (mount(8)'s size=, e.g. "64k") mounted on a temporary
// directory; `fill` takes every byte that is left, `free` gives it back.
// Unmounted (lazily, so that a process still in it cannot keep it) when
// the test ends.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size) : dir_("ringfence-small-fs") {
    mounted_ = mount("ringfence-faults", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                     ("mode=0700,size=" + size).c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  std::string operator/(const std::string& name) const { return dir_ / name; }

  // Writes a filler file until the filesystem is full; returns whether it is.
  bool fill() {
    const int fd = open((dir_ / "filler").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    // Page by page (tmpfs allocates pages): the write that finds none left
    // fails whole. Bytes left in the last page of another file (the log's)
    // are that file's to fill; a test writes more than a page to need a new one.
    const std::string block(4096, 'x');
    while (write(fd, block.data(), block.size()) == static_cast<ssize_t>(block.size())) {
    }
    const bool full = errno == ENOSPC;
    close(fd);
    return full;
  }
  void free() { unlink((dir_ / "filler").c_str()); }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

// A cgroup v1 `pids` cgroup whose pids.max is `limit`; `enter_and_exec`
// makes a command run in it. Removed when the test ends, after ending any
// process the test left in it (ringfence's, which the test started).
class PidsCgroup {
 public:
  explicit PidsCgroup(int limit)
      : dir_(fmt::format("/sys/fs/cgroup/pids/ringfence-faults-{}-{}", getpid(), counter()++)) {
    made_ = mkdir(dir_.c_str(), 0755) == 0;
    if (made_) std::ofstream(dir_ + "/pids.max") << limit;
  }
  ~PidsCgroup() {
    if (!made_) return;
    for (pid_t pid : members()) kill(pid, SIGKILL);
    eventually([&] { return members().empty(); });
    rmdir(dir_.c_str());
  }
  PidsCgroup(const PidsCgroup&) = delete;
  PidsCgroup& operator=(const PidsCgroup&) = delete;

  bool made() const { return made_; }
  const std::string& dir() const { return dir_; }
  std::vector<pid_t> members() const {
    std::vector<pid_t> out;
    std::ifstream in(dir_ + "/cgroup.procs");
    for (pid_t pid; in >> pid;) out.push_back(pid);
    return out;
  }
  // How many forks the limit refused.
  long refused() const {
    std::ifstream in(dir_ + "/pids.events");
    std::string key;
    long n = 0;
    in >> key >> n;
    return n;
  }
  // Options that run ringfence in this cgroup from its first instruction:
  // a shell puts itself in and execs it (one process all along).
  RunOptions run_options(RunOptions o = {}) const {
    o.binary = "/bin/sh";
    return o;
  }
  std::vector<std::string> args(const std::vector<std::string>& ringfence_args) const {
    std::vector<std::string> a = {"-c", "echo $$ > " + dir_ + "/cgroup.procs && exec \"$@\"", "sh", RINGFENCE_BINARY};
    a.insert(a.end(), ringfence_args.begin(), ringfence_args.end());
    return a;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string dir_;
  bool made_ = false;
};

// The processes whose command line holds `text` (a test's own state root:
// every ringfence the test started has it), other than this one.
inline std::vector<pid_t> processes_naming(const std::string& text) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (dirent* e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    // read_text, not an istreambuf_iterator: a process that ends while it
    // is read fails the read with ESRCH, and libstdc++'s filebuf throws
    // that out of an iterator (seen in a TearDown under ASan).
    if (read_text(fmt::format("/proc/{}/cmdline", pid)).find(text) != std::string::npos) out.push_back(pid);
  }
  closedir(proc);
  return out;
}

}  // namespace ringfence::itest
