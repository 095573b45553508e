#include "ringfence/enforcer/suid_harden.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "suid_fs.h"
#include "suid_walk.h"

namespace ringfence::enforcer {
namespace {

struct Inode {
  dev_t dev;
  ino_t ino;
  bool operator==(const Inode&) const = default;
};

struct InodeHash {
  std::size_t operator()(const Inode& i) const { return std::hash<ino_t>{}(i.ino) ^ (std::hash<dev_t>{}(i.dev) << 1); }
};

// "usr//bin/passwd/" -> "/usr/bin/passwd"
std::string normalise(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out += "/" + path.substr(start, end - start);
    start = end + 1;
  }
  return out.empty() ? "/" : out;
}

// Decides, for each setuid/setgid file the walk finds, whether it is kept,
// already handled through another hard link, or to be stripped — and strips it.
class Hardener {
 public:
  Hardener(int root_fd, const HardenOptions& options, HardenReport& report, suid_walk::Findings& findings)
      : root_fd_(root_fd), options_(options), report_(report), findings_(findings) {}

  // Keep entries name inodes: a hard link of a kept file is the kept file.
  void resolve_keep() {
    for (const auto& k : options_.keep) {
      const std::string path = normalise(k);
      if (path == "/" || path.find('\0') != std::string::npos) {
        report_.unmatched_keep.push_back(fmt::format("{}: not a file in the tree", k));
        continue;
      }
      Fd fd(suid_fs::open_beneath(root_fd_, path.c_str() + 1, O_PATH | O_NOFOLLOW));
      struct stat st {};
      if (!fd.valid() || fstat(fd.get(), &st) != 0) {
        const int err = errno;
        report_.unmatched_keep.push_back(fmt::format(
            "{}: {}", k,
            err == ELOOP   ? "a symlink is on the way; name the file by its path in the tree"
            : err == EXDEV ? "it is on another mount, which is not walked"
                           : std::strerror(err)));
        continue;
      }
      kept_.emplace(Inode{st.st_dev, st.st_ino}, k);
    }
  }

  void visit(int dir_fd, const std::string& dir, const char* name, const struct stat& seen) {
    std::string path = dir + "/" + name;
    // Re-open what the walk saw without following anything, and work on the
    // descriptor from here on: a file swapped for a symlink since the stat
    // fails with ELOOP here instead of being followed.
    Fd fd(suid_fs::open_beneath(dir_fd, name, O_PATH | O_NOFOLLOW));
    if (!fd.valid()) {
      if (errno == EXDEV)
        findings_.mount_point(std::move(path));
      else if (errno != ENOENT)
        findings_.problem(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
      return;
    }
    struct statx stx {};
    if (statx(fd.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &stx) != 0) {
      findings_.problem(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
      return;
    }
    const struct stat st = suid_fs::to_stat(stx);
    if (!S_ISREG(st.st_mode) || st.st_dev != seen.st_dev || st.st_ino != seen.st_ino) {
      findings_.problem(fmt::format("{}: replaced during the walk; left alone", path));
      return;
    }
    if ((st.st_mode & (S_ISUID | S_ISGID)) == 0) return;  // stripped meanwhile, through another hard link

    SuidFinding finding{};
    finding.file.path = std::move(path);
    finding.file.mode = st.st_mode & 07777;
    finding.file.uid = st.st_uid;
    finding.file.gid = st.st_gid;
    finding.file.dev = st.st_dev;
    finding.file.ino = st.st_ino;
    if (stx.stx_mask & STATX_BTIME) {
      finding.file.has_btime = true;
      finding.file.btime_sec = stx.stx_btime.tv_sec;
      finding.file.btime_nsec = stx.stx_btime.tv_nsec;
    }
    const Inode inode{st.st_dev, st.st_ino};
    // One lock for the decision, the change and its record: setuid files are
    // few, and serialising on_strip is what keeps the record consistent.
    std::lock_guard lock(mutex_);
    if (auto k = kept_.find(inode); k != kept_.end()) {
      matched_keep_.insert(inode);
      finding.outcome = SuidOutcome::kept;
    } else if (!claimed_.insert(inode).second) {
      finding.outcome = SuidOutcome::same_inode;
    } else if (options_.strip && stopped_) {
      finding.outcome = SuidOutcome::failed;
    } else if (options_.strip) {
      strip(fd.get(), finding);
    }
    report_.files.push_back(std::move(finding));
  }

  void unmatched_keep_after_walk() {
    for (const auto& [inode, k] : kept_)
      if (!matched_keep_.count(inode)) report_.unmatched_keep.push_back(fmt::format("{}: not a setuid/setgid file", k));
  }

 private:
  void strip(int fd, SuidFinding& finding) {
    if (!prepared_) {
      prepared_ = true;
      if (options_.before_first_strip) {
        if (Status st = options_.before_first_strip(); !st) {
          stopped_ = true;
          finding.outcome = SuidOutcome::failed;
          findings_.problem(st.message + "; nothing was changed");
          return;
        }
      }
    }
    const mode_t to = stripped_mode(finding.file.mode);
    if (suid_fs::chmod_fd(fd, to) != 0) {
      findings_.problem(fmt::format("{}: cannot change its mode: {}", finding.file.path, std::strerror(errno)));
      finding.outcome = SuidOutcome::failed;
      return;
    }
    finding.outcome = SuidOutcome::stripped;
    struct statx after {};
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MTIME | STATX_CTIME, &after) == 0) {
      finding.file.mtime = suid_fs::time_text(after.stx_mtime.tv_sec, after.stx_mtime.tv_nsec);
      finding.file.ctime = suid_fs::time_text(after.stx_ctime.tv_sec, after.stx_ctime.tv_nsec);
    }
    finding.file.sha256 = suid_fs::content_sha256(fd);
    if (finding.file.sha256.empty() || finding.file.ctime.empty())
      findings_.problem(fmt::format("{}: stripped, but its times or content could not be read: the undo will refuse it",
                                    finding.file.path));
    if (!options_.on_strip) return;
    if (Status st = options_.on_strip(finding.file, to); !st) {
      stopped_ = true;
      findings_.problem(fmt::format("{}: stripped, but the change could not be recorded ({}); no further changes made",
                                    finding.file.path, st.message));
    }
  }

  int root_fd_;
  const HardenOptions& options_;
  HardenReport& report_;
  suid_walk::Findings& findings_;
  std::unordered_map<Inode, std::string, InodeHash> kept_;  // written before the walk, read-only during it
  std::mutex mutex_;
  std::unordered_set<Inode, InodeHash> claimed_;
  std::unordered_set<Inode, InodeHash> matched_keep_;
  bool prepared_ = false;
  bool stopped_ = false;
};

unsigned pool_size(unsigned asked) {
  if (asked == 0) asked = std::thread::hardware_concurrency();
  return std::clamp(asked, 1u, 64u);
}

}  // namespace

Status harden_tree(const std::string& root, const HardenOptions& options, HardenReport& report) {
  report = {};
  // The root is the caller's own argument: following a symlink to it is
  // what they asked for. Nothing below it is followed.
  Fd root_fd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return Status::from_errno("open " + root);
  struct stat st {};
  if (fstat(root_fd.get(), &st) != 0) return Status::from_errno("stat " + root);

  suid_walk::Findings findings;
  Hardener hardener(root_fd.get(), options, report, findings);
  hardener.resolve_keep();
  if (options.keep_must_exist && !report.unmatched_keep.empty())
    return Status::failure(fmt::format("keep: {}; nothing was changed", report.unmatched_keep.front()), ENOENT);
  // Progress is reported from a thread of its own, so that the walk's
  // threads never wait on the caller's terminal.
  std::mutex progress_mutex;
  std::condition_variable walked;
  bool done = false;
  std::thread reporter;
  if (options.progress)
    reporter = std::thread([&] {
      std::unique_lock<std::mutex> lock(progress_mutex);
      while (!walked.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; }))
        options.progress(findings.entries.load(std::memory_order_relaxed));
    });
  suid_walk::walk(
      root_fd.get(), st.st_dev, pool_size(options.threads),
      [&hardener](int dir_fd, const std::string& dir, const char* name, const struct stat& seen) {
        hardener.visit(dir_fd, dir, name, seen);
      },
      findings);
  if (reporter.joinable()) {
    {
      std::lock_guard<std::mutex> lock(progress_mutex);
      done = true;
    }
    walked.notify_one();
    reporter.join();
  }
  hardener.unmatched_keep_after_walk();

  report.problems = findings.take_problems();
  report.mount_points = findings.take_mount_points();
  std::sort(report.files.begin(), report.files.end(),
            [](const SuidFinding& a, const SuidFinding& b) { return a.file.path < b.file.path; });
  std::sort(report.problems.begin(), report.problems.end());
  std::sort(report.mount_points.begin(), report.mount_points.end());
  std::sort(report.unmatched_keep.begin(), report.unmatched_keep.end());
  return {};
}

}  // namespace ringfence::enforcer
