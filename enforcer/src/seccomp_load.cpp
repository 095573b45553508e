#include "ringfence/enforcer/seccomp_load.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/core.h>
#include <seccomp.h>

namespace ringfence::enforcer {

Result<Fd> load_filter(const CompiledFilter& filter, bool log_denials) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(filter.program.insns.size());
  prog.filter = const_cast<sock_filter*>(filter.program.insns.data());
  unsigned flags = filter.uses_notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  if (log_denials) flags |= SECCOMP_FILTER_FLAG_LOG;
  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) return Status::from_errno("seccomp(SECCOMP_SET_MODE_FILTER)");
  return filter.uses_notify ? Fd(static_cast<int>(rc)) : Fd();
}

}  // namespace ringfence::enforcer

namespace ringfence::enforcer {
std::string libseccomp_version() {
  const auto* v = seccomp_version();
  return fmt::format("{}.{}.{}", v->major, v->minor, v->micro);
}
}  // namespace ringfence::enforcer
