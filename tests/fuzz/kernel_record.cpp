// The kernel's audit records the supervisor reads from netlink (seccomp,
// Landlock, AppArmor and SELinux denials). The sandboxed program names
// itself and the files it touches, so the text is partly its own. Bytes
// 0-1 choose the record type among those read.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/audit/kernel_record.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const int types[] = {audit::kKernelSyscall, audit::kKernelEndOfEvent, audit::kKernelSeccomp,
                              audit::kKernelLandlockAccess, audit::kKernelLandlockDomain, audit::kKernelAvc,
                              1107 /* AUDIT_USER_AVC */, 0};
  const int type = types[data[0] % 8];
  const auto r = audit::parse_kernel_record(type, fuzz::as_text(data + 1, size - 1));
  if (!r) return 0;
  FUZZ_CHECK(r->type == type, "the type is kept");
  for (const char* key : {"pid", "uid", "auid", "ses", "comm", "exe", "sig", "arch", "syscall", "compat", "ip", "code",
                          "domain", "blockers", "path", "name", "apparmor", "operation", "profile", "avc",
                          "permissions", "tclass", "scontext", "permissive"}) {
    (void)r->get(key);
    (void)r->number(key);
    (void)r->hex(key);
  }
  for (const auto& [key, value] : r->fields) FUZZ_CHECK(r->get(key) != nullptr, "every field can be looked up");
  return 0;
}
