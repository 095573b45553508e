#include "ringfence/runtime/private_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/core.h>

#include "ringfence/runtime/state.h"

namespace ringfence::runtime {
namespace {


std::string who(uid_t uid) {
  const passwd* pw = getpwuid(uid);
  return pw ? fmt::format("uid {} ({})", uid, pw->pw_name) : fmt::format("uid {}", uid);
}

mode_t forbidden(OthersMay others) { return others == OthersMay::Nothing ? 077 : 022; }

}  // namespace

Result<Fd> open_checked_dir(int parent, const std::string& leaf, const std::string& shown, OthersMay others) {
  Fd fd(openat(parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    struct stat st {};
    if ((err == ELOOP || err == ENOTDIR) && fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
      return Status::failure(fmt::format("{} is {} that belongs to {}, not a directory of yours", shown,
                                         S_ISLNK(st.st_mode) ? "a symlink" : "a file", who(st.st_uid)),
                             err);
    return Status::from_errno(err, "open " + shown);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::from_errno("stat " + shown);
  const uid_t me = geteuid();
  const mode_t mode = st.st_mode & 07777;
  // Ours, and nobody else could have put anything in it, but others may
  // still enter it (a directory that older versions made 0711): closing it
  // loses nothing and plants nothing.
  if (st.st_uid == me && (mode & 022) == 0 && (mode & forbidden(others)) != 0 &&
      fchmod(fd.get(), mode & ~forbidden(others)) == 0)
    return fd;
  if (st.st_uid != me || (mode & forbidden(others)) != 0)
    return Status::failure(
        fmt::format("{} belongs to {} and has mode {:04o}: ringfence keeps its files only in a directory of yours "
                    "({}) that {}, or another user could read them or plant links in it",
                    shown, who(st.st_uid), mode, who(me),
                    others == OthersMay::Nothing ? "nobody else may enter" : "nobody else may write"),
        EPERM);
  return fd;
}

Result<Fd> ensure_checked_dir(const std::string& path, mode_t mode, OthersMay others, bool parents) {
  const std::filesystem::path p(path);
  const std::string parent = p.parent_path().empty() ? "." : p.parent_path().string();
  const std::string leaf = p.filename().string();
  if (parents) {
    std::filesystem::path prefix;
    for (const auto& part : p.parent_path()) {
      prefix /= part;
      if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return Status::from_errno("create " + prefix.string());
    }
  }
  Fd dir(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return Status::from_errno("open " + parent);
  if (mkdirat(dir.get(), leaf.c_str(), mode) != 0 && errno != EEXIST) return Status::from_errno("create " + path);
  return open_checked_dir(dir.get(), leaf, path, others);
}

std::string fallback_dir() { return fmt::format("/tmp/ringfence-{}", geteuid()); }

Result<std::string> default_state_root() {
  if (geteuid() == 0) {
    if (auto dir = ensure_checked_dir(kDefaultStateRoot, 0711, OthersMay::Read, false); !dir) return dir.status();
    return std::string(kDefaultStateRoot);
  }
  // XDG_RUNTIME_DIR only when it is the caller's own directory that nobody
  // else may write (the variable may have come along through su or sudo);
  // otherwise the fallback.
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && xdg[0] == '/') {
    // One that fails the check is passed over for the fallback.
    if (auto dir = open_checked_dir(AT_FDCWD, xdg, xdg, OthersMay::Read); dir) {
      std::string base(xdg);
      while (base.size() > 1 && base.back() == '/') base.pop_back();
      const std::string root = base + "/ringfence";
      if (mkdirat(dir->get(), "ringfence", 0700) != 0 && errno != EEXIST) return Status::from_errno("create " + root);
      if (auto checked = open_checked_dir(dir->get(), "ringfence", root, OthersMay::Read); !checked) {
        Status st = checked.status();
        st.message += "; remove it";
        return st;
      }
      return root;
    }
  }
  const std::string fallback = fallback_dir();
  if (auto dir = ensure_checked_dir(fallback, 0700, OthersMay::Nothing, false); !dir) {
    Status st = dir.status();
    st.message +=
        ". Remove it (if it is not yours, ask an administrator), or set XDG_RUNTIME_DIR to a directory of yours "
        "that others may not write";
    return st;
  }
  return fallback;
}

}  // namespace ringfence::runtime
