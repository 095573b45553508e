#include "privileged_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "ringfence/base/fd.h"
#include "tree_ops.h"

namespace ringfence::image {
namespace {

Status walk(int dir, const std::string& prefix, std::vector<FoundFile>& out, const std::function<void()>& tick,
            int depth) {
  if (depth > 4096) return Status::failure("a tree deeper than 4096 directories", ELOOP);
  auto names = detail::list_dir(dir);
  if (!names) return Status::failure("read " + (prefix.empty() ? "/" : prefix) + ": " + names.status().message,
                                     names.status().err);
  std::vector<std::string> subdirs;
  for (const auto& n : *names) {
    if (tick) tick();
    struct stat st {};
    // A file that cannot be looked at is an error, not a pass: its bits
    // would go unreported (import) or unstripped (harden).
    if (fstatat(dir, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::from_errno("stat " + prefix + "/" + n);
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(n);
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    Fd f(openat(dir, n.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!f.valid()) return Status::from_errno("open " + prefix + "/" + n);
    const bool caps = fgetxattr(f.get(), "security.capability", nullptr, 0) >= 0;
    if (!caps && errno != ENODATA && errno != ENOTSUP) return Status::from_errno("read the capabilities of " + prefix + "/" + n);
    if ((st.st_mode & (S_ISUID | S_ISGID)) || caps)
      out.push_back({{prefix + "/" + n, static_cast<unsigned>(st.st_mode & 07777), caps, false}, st.st_dev, st.st_ino});
  }
  for (const auto& n : subdirs) {
    Fd sub(openat(dir, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) return Status::from_errno("open " + prefix + "/" + n);
    if (Status s = walk(sub.get(), prefix + "/" + n, out, tick, depth + 1); !s) return s;
  }
  return {};
}

}  // namespace

Status find_privileged(int root_fd, std::vector<FoundFile>& out, const std::function<void()>& tick) {
  return walk(root_fd, "", out, tick, 0);
}

void add_still_stripped(int root_fd, const std::vector<PrivilegedFile>& stripped, std::vector<PrivilegedFile>& out) {
  std::set<std::string> seen;
  for (const auto& p : out) seen.insert(p.path);
  for (const auto& p : stripped) {
    if (!p.stripped || seen.count(p.path)) continue;
    struct stat st {};
    if (fstatat(root_fd, p.path.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    seen.insert(p.path);
    out.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const PrivilegedFile& a, const PrivilegedFile& b) { return a.path < b.path; });
}

}  // namespace ringfence::image
