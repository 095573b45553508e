#include "tree_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <vector>

#include "ringfence/base/fd.h"
#include "tree_ops.h"

namespace ringfence::image {
namespace {

Status copy_attributes(int to, const std::string& name, const struct stat& st, bool symlink) {
  if (fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
    return Status::from_errno("chown " + name);
  if (!symlink && fchmodat(to, name.c_str(), st.st_mode & 07777, 0) != 0) return Status::from_errno("chmod " + name);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  if (utimensat(to, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return Status::from_errno("set times of " + name);
  return {};
}

Status link_dir(int from, int to, int depth) {
  if (depth > 4096) return Status::failure("a tree deeper than 4096 directories", ELOOP);
  auto names = detail::list_dir(from);
  if (!names) return names.status();
  for (const auto& n : *names) {
    struct stat st {};
    if (fstatat(from, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::from_errno("stat " + n);
    if (S_ISREG(st.st_mode)) {
      if (linkat(from, n.c_str(), to, n.c_str(), 0) != 0) return Status::from_errno("link " + n);
    } else if (S_ISDIR(st.st_mode)) {
      if (mkdirat(to, n.c_str(), 0700) != 0) return Status::from_errno("mkdir " + n);
      Fd src(openat(from, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      Fd dst(openat(to, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src.valid() || !dst.valid()) return Status::from_errno("open " + n);
      if (Status s = link_dir(src.get(), dst.get(), depth + 1); !s)
        return Status::failure(n + "/" + s.message, s.err);
      if (Status s = copy_attributes(to, n, st, false); !s) return s;
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t len = readlinkat(from, n.c_str(), target.data(), target.size());
      if (len < 0) return Status::from_errno("readlink " + n);
      target.resize(static_cast<std::size_t>(len));
      if (symlinkat(target.c_str(), to, n.c_str()) != 0) return Status::from_errno("symlink " + n);
      if (Status s = copy_attributes(to, n, st, true); !s) return s;
    }
    // Nothing else is ever unpacked into the store (layer_apply.h).
  }
  return {};
}

}  // namespace

Status link_tree(int from, int to) { return link_dir(from, to, 0); }

}  // namespace ringfence::image
