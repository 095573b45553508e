#include "ringfence/enforcer/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/core.h>

#include "ringfence/base/fd.h"

namespace ringfence::enforcer {
namespace {

// Rights by ABI version (Documentation/userspace-api/landlock.rst).
std::uint64_t handled_rights(int abi) {
  std::uint64_t rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
                         LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                         LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                         LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                         LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) rights |= 1ULL << 14;  // LANDLOCK_ACCESS_FS_TRUNCATE
  if (abi >= 5) rights |= 1ULL << 15;  // LANDLOCK_ACCESS_FS_IOCTL_DEV
  return rights;
}

constexpr std::uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
constexpr std::uint64_t kExecute = LANDLOCK_ACCESS_FS_EXECUTE | kRead;

Status allow(int ruleset, const std::string& path, std::uint64_t access, std::uint64_t handled) {
  Fd fd(open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return {};
    return Status::from_errno("landlock: open " + path);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::from_errno("landlock: stat " + path);
  // Rights on a file (not a directory) may only be the file ones.
  if (!S_ISDIR(st.st_mode))
    access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
              (1ULL << 14) | (1ULL << 15);
  landlock_path_beneath_attr rule{};
  rule.allowed_access = access & handled;
  rule.parent_fd = fd.get();
  if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
    return Status::from_errno("landlock_add_rule " + path);
  return {};
}

}  // namespace

int landlock_abi() {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

Status apply_landlock(const policy::LandlockParams& params, bool log_denials) {
  const int abi = landlock_abi();
  if (abi == 0) return Status::failure("Landlock is not available on this kernel", EOPNOTSUPP);
  const std::uint64_t handled = handled_rights(abi);
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = handled;
  Fd ruleset(static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0)));
  if (!ruleset.valid()) return Status::from_errno("landlock_create_ruleset");
  for (const auto& p : params.read_only)
    if (Status st = allow(ruleset.get(), p, kRead, handled); !st) return st;
  for (const auto& p : params.execute)
    if (Status st = allow(ruleset.get(), p, kExecute, handled); !st) return st;
  for (const auto& p : params.read_write)
    if (Status st = allow(ruleset.get(), p, handled & ~LANDLOCK_ACCESS_FS_EXECUTE, handled); !st) return st;
  // The program is exec'd after the restriction, and Landlock logs the
  // denials of a program exec'd in a domain only when asked (ABI 7:
  // LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON).
  const unsigned flags = log_denials && abi >= 7 ? (1U << 1) : 0;
  if (syscall(SYS_landlock_restrict_self, ruleset.get(), flags) != 0) return Status::from_errno("landlock_restrict_self");
  return {};
}

}  // namespace ringfence::enforcer
