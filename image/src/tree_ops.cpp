#include "tree_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

namespace ringfence::image::detail {

namespace {

// Deeper trees than this are refused rather than removed: each level holds
// a descriptor and a stack frame, and a hostile layer can make a directory
// chain as deep as it likes through symlinks.
constexpr int kMaxRemoveDepth = 1024;

std::string join_relative(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// Opens `name` in `dir_fd` as a directory without following a symlink.
Result<Fd> open_subdir(int dir_fd, const std::string& name) {
  Fd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno(fmt::format("open the directory {}", name));
  return fd;
}

Status remove_children(int dir_fd, int depth);

Status remove_entry(int dir_fd, const std::string& name, int depth) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return errno == ENOENT ? Status::success() : Status::from_errno(fmt::format("stat {}", name));
  }
  if (S_ISDIR(st.st_mode)) {
    if (depth >= kMaxRemoveDepth) return Status::failure("directory tree too deep to remove", ELOOP);
    auto sub = open_subdir(dir_fd, name);
    if (!sub.ok()) return sub.status();
    if (Status s = remove_children(sub->get(), depth + 1); !s.ok()) return s;
    if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) < 0) {
      return Status::from_errno(fmt::format("remove the directory {}", name));
    }
    return Status::success();
  }
  if (unlinkat(dir_fd, name.c_str(), 0) < 0 && errno != ENOENT) {
    return Status::from_errno(fmt::format("remove {}", name));
  }
  return Status::success();
}

Status remove_children(int dir_fd, int depth) {
  auto names = list_dir(dir_fd);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    if (Status s = remove_entry(dir_fd, name, depth); !s.ok()) return s;
  }
  return Status::success();
}

Status remove_lower_at(int dir_fd, const std::string& name, const std::string& relative, const MadeFn& made,
                       const std::function<void(const std::string&)>& removed, int depth);

Status remove_lower_children_at(int dir_fd, const std::string& relative, const MadeFn& made,
                                const std::function<void(const std::string&)>& removed, int depth) {
  auto names = list_dir(dir_fd);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    if (Status s = remove_lower_at(dir_fd, name, join_relative(relative, name), made, removed, depth); !s.ok()) {
      return s;
    }
  }
  return Status::success();
}

Status remove_lower_at(int dir_fd, const std::string& name, const std::string& relative, const MadeFn& made,
                       const std::function<void(const std::string&)>& removed, int depth) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return errno == ENOENT ? Status::success() : Status::from_errno(fmt::format("stat {}", name));
  }
  const Made m = made(relative);
  if (m == Made::none || (m == Made::below && !S_ISDIR(st.st_mode))) {
    if (Status s = remove_entry(dir_fd, name, depth); !s.ok()) return s;
    removed(relative);
    return Status::success();
  }
  if (!S_ISDIR(st.st_mode)) return Status::success();  // this layer's file
  if (depth >= kMaxRemoveDepth) return Status::failure("directory tree too deep to remove", ELOOP);
  auto sub = open_subdir(dir_fd, name);
  if (!sub.ok()) return sub.status();
  return remove_lower_children_at(sub->get(), relative, made, removed, depth + 1);
}

}  // namespace

// Read whole before any is removed: removing while readdir walks is
// allowed but makes the walk's result unspecified.
Result<std::vector<std::string>> list_dir(int dir_fd) {
  const int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno("open a directory to list it");
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    const Status s = Status::from_errno("list a directory");
    close(fd);
    return s;
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* d = readdir(dir)) {
    const std::string_view n(d->d_name);
    if (n != "." && n != "..") names.emplace_back(n);
    errno = 0;
  }
  const int err = errno;
  closedir(dir);
  if (err != 0) return Status::from_errno(err, "list a directory");
  return names;
}


int open_in_tree(int tree_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  // EAGAIN: a rename or mount elsewhere raced a ".." walk (see
  // enforcer/src/paths.cpp); transient, so retry a bounded number of times.
  constexpr int kAttempts = 64;
  int fd = -1;
  const char* p = path.empty() ? "." : path.c_str();
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    fd = static_cast<int>(syscall(SYS_openat2, tree_fd, p, &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

Result<Fd> open_parent_dir(int tree_fd, const std::string& relative,
                           const std::function<void(const std::string&)>& made) {
  // The common case: the directory exists (an earlier entry or layer made it).
  Fd dir(open_in_tree(tree_fd, relative, O_PATH | O_DIRECTORY));
  if (dir.valid()) return dir;
  if (errno != ENOENT) return Status::from_errno(fmt::format("open the directory /{}", relative));
  // Walk from the root, making what is missing. Each prefix is resolved
  // from the tree's root again, never from the previous step's descriptor:
  // RESOLVE_IN_ROOT clamps absolute symlinks to the root it is given.
  Fd current(open_in_tree(tree_fd, "", O_PATH | O_DIRECTORY));
  if (!current.valid()) return Status::from_errno("open the tree's root");
  std::string prefix;
  std::size_t start = 0;
  while (start < relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    const std::string part = relative.substr(start, end - start);
    start = end + 1;
    prefix = join_relative(prefix, part);
    Fd next(open_in_tree(tree_fd, prefix, O_PATH | O_DIRECTORY));
    if (!next.valid() && errno == ENOENT) {
      // mkdirat never follows a symlink in its last component: a dangling
      // symlink here fails with EEXIST rather than making its target.
      if (mkdirat(current.get(), part.c_str(), 0755) == 0) made(prefix);
      else if (errno != EEXIST) return Status::from_errno(fmt::format("make the directory /{}", prefix));
      next.reset(open_in_tree(tree_fd, prefix, O_PATH | O_DIRECTORY));
    }
    if (!next.valid()) return Status::from_errno(fmt::format("open the directory /{}", prefix));
    current = std::move(next);
  }
  return current;
}

Status remove_tree(int dir_fd, const std::string& name) { return remove_entry(dir_fd, name, 0); }

Status remove_lower(int dir_fd, const std::string& name, const std::string& relative, const MadeFn& made,
                    const std::function<void(const std::string&)>& removed) {
  return remove_lower_at(dir_fd, name, relative, made, removed, 0);
}

Status remove_lower_children(int dir_fd, const std::string& relative, const MadeFn& made,
                             const std::function<void(const std::string&)>& removed) {
  return remove_lower_children_at(dir_fd, relative, made, removed, 0);
}

}  // namespace ringfence::image::detail
