// One record of the kernel's own audit log, as the audit netlink socket
// hands it over: a type number and a line of text such as
//
//   audit(1796388615.443:46): auid=1000 uid=0 ses=7 pid=23762
//   comm="probe" exe="/tmp/probe" sig=0 arch=c000003e syscall=110 code=0x50000
//
// The supervisor reads seccomp's and Landlock's records this way to record
// a sandbox's denials (docs/audit.md, "Denials"). The text is the kernel's,
// but names in it (comm, exe, path) are chosen by the sandboxed program:
// the kernel writes such a value in quotes only when it holds no space,
// quote or control character, and in hexadecimal otherwise, so a program
// cannot forge a field by naming itself `x pid=1`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringfence::audit {

// The record types the supervisor reads (linux/audit.h).
inline constexpr int kKernelSyscall = 1300;         // AUDIT_SYSCALL
inline constexpr int kKernelEndOfEvent = 1320;      // AUDIT_EOE
inline constexpr int kKernelSeccomp = 1326;         // AUDIT_SECCOMP
inline constexpr int kKernelLandlockAccess = 1423;  // AUDIT_LANDLOCK_ACCESS
inline constexpr int kKernelLandlockDomain = 1424;  // AUDIT_LANDLOCK_DOMAIN
// AppArmor's and SELinux's decisions, through the LSM audit helper:
//   audit(…): apparmor="DENIED" operation="open" profile="p" name="/etc/shadow" pid=7 comm="cat" …
//   audit(…): avc:  denied  { read write } for  pid=7 comm="cat" name="shadow" … tclass=file permissive=0
// SELinux's verdict and permissions are not key=value: they are kept as
// the fields `avc` ("denied", "granted") and `permissions` ("read write").
inline constexpr int kKernelAvc = 1400;  // AUDIT_AVC

struct KernelRecord {
  int type = 0;
  std::string time;         // "1796388615.443": seconds since the epoch
  std::uint64_t serial = 0;  // records of one event share it
  std::vector<std::pair<std::string, std::string>> fields;  // in order, values decoded

  // The value of `key` (the first one), or nullptr.
  const std::string* get(std::string_view key) const;
  // A decimal field; nullopt when absent or not a number.
  std::optional<std::uint64_t> number(std::string_view key) const;
  // A hexadecimal field ("c000003e", "0x50000"); nullopt when absent or bad.
  std::optional<std::uint64_t> hex(std::string_view key) const;
};

// nullopt when `text` is not an audit record (no "audit(TIME:SERIAL): ").
// Fields that do not parse as key=value are skipped, never guessed at.
std::optional<KernelRecord> parse_kernel_record(int type, std::string_view text);

}  // namespace ringfence::audit
