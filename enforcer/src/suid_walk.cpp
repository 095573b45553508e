#include "suid_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "suid_fs.h"

namespace ringfence::enforcer::suid_walk {

void Findings::problem(std::string sentence) {
  std::lock_guard lock(mutex_);
  problems_.push_back(std::move(sentence));
}

void Findings::mount_point(std::string path) {
  std::lock_guard lock(mutex_);
  mount_points_.push_back(std::move(path));
}

namespace {

// Directories still to read, as paths from the root. Queued directories hold
// no descriptor, so a wide tree cannot exhaust RLIMIT_NOFILE; each is opened
// again from the root when its turn comes, which also re-checks that no
// component became a symlink or a mount point in the meantime.
class Queue {
 public:
  explicit Queue(std::string first) { dirs_.push_back(std::move(first)); }

  // Waits for work; false when there is none left and nobody can add more.
  bool pop(std::string& dir) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !dirs_.empty() || busy_ == 0; });
    if (dirs_.empty()) return false;
    dir = std::move(dirs_.back());
    dirs_.pop_back();
    ++busy_;
    return true;
  }

  void done(std::vector<std::string>& found) {
    {
      std::lock_guard lock(mutex_);
      for (auto& d : found) dirs_.push_back(std::move(d));
      --busy_;
    }
    found.clear();
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::string> dirs_;
  unsigned busy_ = 0;
};

// struct linux_dirent64 ends in a flexible array, which ISO C++ lacks: read
// its fields at their fixed offsets instead.
constexpr std::size_t kReclenAt = 16, kTypeAt = 18, kNameAt = 19;

class Walker {
 public:
  Walker(int root_fd, dev_t root_dev, const Visitor& visit, Findings& findings)
      : root_fd_(root_fd), root_dev_(root_dev), visit_(visit), findings_(findings), queue_("") {}

  void run() {
    std::vector<char> buffer(64 * 1024);
    std::vector<std::string> subdirs;
    std::string dir;
    while (queue_.pop(dir)) {
      try {
        read_dir(dir, buffer, subdirs);
      } catch (const std::exception& e) {
        // Let the other threads finish: an exception must not leave the
        // queue counting this thread as busy.
        findings_.problem(fmt::format("{}: {}", display(dir), e.what()));
      }
      queue_.done(subdirs);
    }
  }

 private:
  static std::string display(const std::string& dir) { return dir.empty() ? "/" : dir; }

  void read_dir(const std::string& dir, std::vector<char>& buffer, std::vector<std::string>& subdirs) {
    Fd fd(suid_fs::open_beneath(root_fd_, dir.empty() ? "." : dir.c_str() + 1, O_RDONLY | O_DIRECTORY));
    if (!fd.valid()) {
      if (errno == EXDEV)
        findings_.mount_point(dir);
      else if (errno != ENOENT)  // removed since it was listed: nothing to scan
        findings_.problem(fmt::format("{}: cannot open the directory: {}", display(dir), std::strerror(errno)));
      return;
    }
    struct stat dst {};
    if (fstat(fd.get(), &dst) != 0 || dst.st_dev != root_dev_) {
      findings_.mount_point(dir);
      return;
    }
    for (;;) {
      const long n = syscall(SYS_getdents64, fd.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        findings_.problem(fmt::format("{}: cannot read the directory: {}", display(dir), std::strerror(errno)));
        break;
      }
      std::uint64_t read = 0;
      for (long at = 0; at < n; ++read) {
        const char* entry = buffer.data() + at;
        std::uint16_t reclen;
        std::memcpy(&reclen, entry + kReclenAt, sizeof reclen);
        at += reclen;
        on_entry(fd.get(), dir, static_cast<unsigned char>(entry[kTypeAt]), entry + kNameAt, subdirs);
      }
      findings_.entries.fetch_add(read, std::memory_order_relaxed);
    }
  }

  void on_entry(int dir_fd, const std::string& dir, unsigned char type, const char* name,
              std::vector<std::string>& subdirs) {
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) return;
    if (type == DT_DIR) {
      subdirs.push_back(dir + "/" + name);
      return;
    }
    // d_type spares the stat of everything but regular files (and entries
    // whose filesystem does not fill it in).
    if (type != DT_REG && type != DT_UNKNOWN) return;
    struct stat st {};
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT)
        findings_.problem(fmt::format("{}/{}: cannot stat: {}", dir, name, std::strerror(errno)));
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(dir + "/" + name);
      return;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & (S_ISUID | S_ISGID)) == 0) return;
    if (st.st_dev != root_dev_) {  // a file mounted over one of the tree's
      findings_.mount_point(dir + "/" + name);
      return;
    }
    visit_(dir_fd, dir, name, st);
  }

  int root_fd_;
  dev_t root_dev_;
  const Visitor& visit_;
  Findings& findings_;
  Queue queue_;
};

}  // namespace

void walk(int root_fd, dev_t root_dev, unsigned threads, const Visitor& visit, Findings& findings) {
  Walker walker(root_fd, root_dev, visit, findings);
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) {
    try {
      pool.emplace_back([&walker] { walker.run(); });
    } catch (const std::system_error&) {
      break;  // fewer threads: slower, not wrong
    }
  }
  walker.run();
  for (auto& t : pool) t.join();
}

}  // namespace ringfence::enforcer::suid_walk
