#include "ringfence/enforcer/lsm.h"

#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <selinux/selinux.h>
#include <sys/apparmor.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/base/paths.h"
#include "ringfence/base/shared_library.h"
#include "ringfence/policy/apparmor_profile.h"

namespace ringfence::enforcer {
namespace {

// libapparmor and libselinux are loaded by the first call that needs them
// (shared_library.h): only profiles with an AppArmor or SELinux step, and
// volumes marked :z or :Z, do. Every caller runs in ringfence's own mount
// namespace, before the clone (runtime/src/handlers_parent.cpp,
// mount_sources.cpp), so the libraries are the host's.
struct AppArmorLibrary {
  decltype(&::aa_is_enabled) aa_is_enabled = nullptr;
};
struct SELinuxLibrary {
  decltype(&::is_selinux_enabled) is_selinux_enabled = nullptr;
  decltype(&::security_check_context) security_check_context = nullptr;
  decltype(&::lsetfilecon) lsetfilecon = nullptr;
};

Result<AppArmorLibrary> load_apparmor() {
  auto lib = SharedLibrary::open("libapparmor.so.1", "libapparmor1");
  if (!lib) return lib.status();
  AppArmorLibrary fns;
  if (Status st = lib->bind("aa_is_enabled", fns.aa_is_enabled); !st) return st;
  return fns;
}

Result<SELinuxLibrary> load_selinux() {
  auto lib = SharedLibrary::open("libselinux.so.1", "libselinux1");
  if (!lib) return lib.status();
  SELinuxLibrary fns;
  if (Status st = lib->bind("is_selinux_enabled", fns.is_selinux_enabled); !st) return st;
  if (Status st = lib->bind("security_check_context", fns.security_check_context); !st) return st;
  if (Status st = lib->bind("lsetfilecon", fns.lsetfilecon); !st) return st;
  return fns;
}

// Loaded once per process; the same answer after.
const Result<AppArmorLibrary>& apparmor_library() {
  static const Result<AppArmorLibrary> lib = load_apparmor();
  return lib;
}
const Result<SELinuxLibrary>& selinux_library() {
  static const Result<SELinuxLibrary> lib = load_selinux();
  return lib;
}

bool apparmor_profile_loaded(const std::string& name) {
  std::ifstream in("/sys/kernel/security/apparmor/profiles");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " (", 0) == 0) return true;
  return false;
}

// apparmor_parser -r reads the profile text on stdin.
Status load_with_parser(const std::string& text) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::from_errno("pipe");
  const pid_t pid = fork();
  if (pid < 0) return Status::from_errno("fork apparmor_parser");
  if (pid == 0) {
    dup2(pipe_fds[0], 0);
    execlp("apparmor_parser", "apparmor_parser", "-r", "-W", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[0]);
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = write(pipe_fds[1], p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  close(pipe_fds[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::failure(fmt::format("apparmor_parser -r failed (exit {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1),
                           EINVAL);
  return {};
}

}  // namespace

// Without the library, whether the module is on is not known: that is a
// broken installation, not a kernel without it, and neither an optional
// profile nor a :z volume is let through for it.
Result<bool> apparmor_enabled() {
  const auto& lib = apparmor_library();
  if (!lib) return Status::failure("AppArmor: " + lib.status().message, lib.status().err);
  return lib->aa_is_enabled() == 1;
}

Status apparmor_prepare(const policy::AppArmorParams& params) {
  const auto enabled = apparmor_enabled();
  if (!enabled) return enabled.status();
  if (!*enabled)
    return Status::failure("AppArmor is not enabled on this kernel", EOPNOTSUPP);
  if (params.generate) {
    if (Status st = load_with_parser(policy::apparmor_profile_text(params)); !st) return st;
  }
  if (!apparmor_profile_loaded(params.profile))
    return Status::failure(fmt::format("AppArmor profile '{}' is not loaded", params.profile), ENOENT);
  return {};
}

Status apparmor_exec_label(const policy::AppArmorParams& params) {
  // What aa_change_onexec writes, written here so that the file is checked:
  // the per-LSM attribute directory of stacking kernels, else the common one.
  const std::string value = "exec " + params.profile;
  const char* apparmor_own = "/proc/thread-self/attr/apparmor/exec";
  if (access(apparmor_own, F_OK) == 0) return write_proc_attr(apparmor_own, value);
  return write_proc_attr("/proc/thread-self/attr/exec", value);
}

Result<bool> selinux_enabled() {
  const auto& lib = selinux_library();
  if (!lib) return Status::failure("SELinux: " + lib.status().message, lib.status().err);
  return lib->is_selinux_enabled() == 1;
}

Status selinux_prepare(const policy::SELinuxParams& params) {
  const auto enabled = selinux_enabled();
  if (!enabled) return enabled.status();
  if (!*enabled) return Status::failure("SELinux is not enabled on this kernel", EOPNOTSUPP);
  if (selinux_library()->security_check_context(params.label.c_str()) != 0)
    return Status::failure(fmt::format("'{}' is not a valid SELinux context here", params.label), EINVAL);
  return {};
}

Status selinux_exec_label(const policy::SELinuxParams& params) {
  // What setexeccon writes.
  return write_proc_attr("/proc/thread-self/attr/exec", params.label);
}

namespace {
// nftw gives no context pointer: the one relabel in progress.
thread_local const char* relabel_context = nullptr;
thread_local decltype(&::lsetfilecon) relabel_setfilecon = nullptr;
thread_local int relabel_errno = 0;
thread_local std::string relabel_failed;

int relabel_one(const char* path, const struct stat*, int, FTW*) {
  if (relabel_setfilecon(path, relabel_context) != 0) {
    relabel_errno = errno;
    relabel_failed = path;
    return 1;  // stop the walk
  }
  return 0;
}
}  // namespace

Status selinux_relabel_tree(const std::string& path, const std::string& context) {
  static const char* const kSystem[] = {"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64",
                                        "/libx32", "/proc", "/root", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var"};
  const std::string real = canonical_or_same(path);
  for (const char* dir : kSystem)
    if (real == dir)
      return Status::failure(fmt::format("relabelling {} (-v …:z or :Z) would relabel the host's own files; bind a "
                                         "directory of its own",
                                         real),
                             EPERM);
  const auto& lib = selinux_library();
  if (!lib) return Status::failure("SELinux: " + lib.status().message, lib.status().err);
  relabel_setfilecon = lib->lsetfilecon;
  relabel_context = context.c_str();
  relabel_errno = 0;
  const int rc = nftw(path.c_str(), relabel_one, 64, FTW_PHYS);
  relabel_context = nullptr;
  if (rc != 0)
    return Status::failure(fmt::format("relabel {} as {}: {}", relabel_failed.empty() ? path : relabel_failed, context,
                                       std::strerror(relabel_errno ? relabel_errno : errno)),
                           relabel_errno);
  return {};
}

Status write_proc_attr(const std::string& path, const std::string& value) {
  Fd fd(open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("open " + path);
  struct statfs fs {};
  if (fstatfs(fd.get(), &fs) != 0) return Status::from_errno("statfs " + path);
  if (fs.f_type != PROC_SUPER_MAGIC)
    return Status::failure(fmt::format("{} is not on procfs: refusing to write the LSM label there", path), EXDEV);
  if (write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    return Status::from_errno(fmt::format("write '{}' to {}", value, path));
  return {};
}

}  // namespace ringfence::enforcer
