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

Fd open_checked_dir(int parent, const std::string& leaf, const std::string& shown, OthersMay others, Status& status) {
  Fd fd(openat(parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    struct stat st {};
    if ((err == ELOOP || err == ENOTDIR) && fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
      status = Status::failure(fmt::format("{} is {} that belongs to {}, not a directory of yours", shown,
                                           S_ISLNK(st.st_mode) ? "a symlink" : "a file", who(st.st_uid)),
                               err);
    else
      status = Status::from_errno(err, "open " + shown);
    return {};
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    status = Status::from_errno("stat " + shown);
    return {};
  }
  const uid_t me = geteuid();
  const mode_t mode = st.st_mode & 07777;
  // Ours, and nobody else could have put anything in it, but others may
  // still enter it (a directory that older versions made 0711): closing it
  // loses nothing and plants nothing.
  if (st.st_uid == me && (mode & 022) == 0 && (mode & forbidden(others)) != 0 &&
      fchmod(fd.get(), mode & ~forbidden(others)) == 0)
    return fd;
  if (st.st_uid != me || (mode & forbidden(others)) != 0) {
    status = Status::failure(
        fmt::format("{} belongs to {} and has mode {:04o}: ringfence keeps its files only in a directory of yours "
                    "({}) that {}, or another user could read them or plant links in it",
                    shown, who(st.st_uid), mode, who(me),
                    others == OthersMay::Nothing ? "nobody else may enter" : "nobody else may write"),
        EPERM);
    return {};
  }
  return fd;
}

Fd ensure_checked_dir(const std::string& path, mode_t mode, OthersMay others, bool parents, Status& status) {
  const std::filesystem::path p(path);
  const std::string parent = p.parent_path().empty() ? "." : p.parent_path().string();
  const std::string leaf = p.filename().string();
  if (parents) {
    std::filesystem::path prefix;
    for (const auto& part : p.parent_path()) {
      prefix /= part;
      if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
        status = Status::from_errno("create " + prefix.string());
        return {};
      }
    }
  }
  Fd dir(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    status = Status::from_errno("open " + parent);
    return {};
  }
  if (mkdirat(dir.get(), leaf.c_str(), mode) != 0 && errno != EEXIST) {
    status = Status::from_errno("create " + path);
    return {};
  }
  return open_checked_dir(dir.get(), leaf, path, others, status);
}

std::string fallback_dir() { return fmt::format("/tmp/ringfence-{}", geteuid()); }

std::optional<std::string> default_state_root(Status& status) {
  if (geteuid() == 0) {
    if (!ensure_checked_dir(kDefaultStateRoot, 0711, OthersMay::Read, false, status).valid()) return std::nullopt;
    return std::string(kDefaultStateRoot);
  }
  // XDG_RUNTIME_DIR only when it is the caller's own directory that nobody
  // else may write (the variable may have come along through su or sudo);
  // otherwise the fallback.
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && xdg[0] == '/') {
    Status ignored;
    if (Fd dir = open_checked_dir(AT_FDCWD, xdg, xdg, OthersMay::Read, ignored); dir.valid()) {
      std::string base(xdg);
      while (base.size() > 1 && base.back() == '/') base.pop_back();
      const std::string root = base + "/ringfence";
      if (mkdirat(dir.get(), "ringfence", 0700) != 0 && errno != EEXIST) {
        status = Status::from_errno("create " + root);
        return std::nullopt;
      }
      if (!open_checked_dir(dir.get(), "ringfence", root, OthersMay::Read, status).valid()) {
        status.message += "; remove it";
        return std::nullopt;
      }
      return root;
    }
  }
  const std::string fallback = fallback_dir();
  if (!ensure_checked_dir(fallback, 0700, OthersMay::Nothing, false, status).valid()) {
    status.message +=
        ". Remove it (if it is not yours, ask an administrator), or set XDG_RUNTIME_DIR to a directory of yours "
        "that others may not write";
    return std::nullopt;
  }
  return fallback;
}

}  // namespace ringfence::runtime
