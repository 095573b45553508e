// The parallel walk under the setuid scan: finds the setuid/setgid regular
// files of one filesystem without following symlinks. What to do with each
// is the caller's business (suid_harden.cpp).
#pragma once

#include <sys/stat.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <atomic>
#include <cstdint>

namespace ringfence::enforcer::suid_walk {

// Called from several threads at once: `dir_fd` is the open directory that
// holds `name`, `dir` its path relative to the root ("" for the root, else
// "/usr/bin"), `st` the file's lstat.
using Visitor = std::function<void(int dir_fd, const std::string& dir, const char* name, const struct stat& st)>;

// What the walk could not do, collected from every thread.
class Findings {
 public:
  void problem(std::string sentence);
  void mount_point(std::string path);
  std::vector<std::string> take_problems() { return std::move(problems_); }
  std::vector<std::string> take_mount_points() { return std::move(mount_points_); }
  // Directory entries read so far, for progress: added a directory buffer
  // at a time, read from another thread.
  std::atomic<std::uint64_t> entries{0};

 private:
  std::mutex mutex_;
  std::vector<std::string> problems_;
  std::vector<std::string> mount_points_;
};

// Walks the directory `root_fd` (on device `root_dev`) with `threads` threads.
void walk(int root_fd, dev_t root_dev, unsigned threads, const Visitor& visit, Findings& findings);

}  // namespace ringfence::enforcer::suid_walk
