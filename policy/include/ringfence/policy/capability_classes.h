// The classes of capabilities the catalogue names (RF-CAP-002 to -005):
// one definition, used by lint on a plan and by the audit on a process.
#pragma once

#include <linux/capability.h>

#include <cstdint>

namespace ringfence::policy {

constexpr std::uint64_t cap_bit(int cap) { return std::uint64_t{1} << cap; }

// Kubernetes' baseline set: Docker's 14 without NET_RAW.
constexpr std::uint64_t kBaselineCaps = cap_bit(CAP_AUDIT_WRITE) | cap_bit(CAP_CHOWN) | cap_bit(CAP_DAC_OVERRIDE) |
                                        cap_bit(CAP_FOWNER) | cap_bit(CAP_FSETID) | cap_bit(CAP_KILL) |
                                        cap_bit(CAP_MKNOD) | cap_bit(CAP_NET_BIND_SERVICE) | cap_bit(CAP_SETFCAP) |
                                        cap_bit(CAP_SETGID) | cap_bit(CAP_SETPCAP) | cap_bit(CAP_SETUID) |
                                        cap_bit(CAP_SYS_CHROOT);

// Capabilities with a known path out of a container or into the kernel.
constexpr std::uint64_t kEscapeClassCaps =
    cap_bit(CAP_SYS_MODULE) | cap_bit(CAP_SYS_PTRACE) | cap_bit(CAP_DAC_READ_SEARCH) | cap_bit(CAP_SYS_RAWIO) |
    cap_bit(CAP_SYS_BOOT) | cap_bit(CAP_BPF) | cap_bit(CAP_PERFMON) | cap_bit(CAP_NET_ADMIN) |
    cap_bit(CAP_SYS_TIME) | cap_bit(CAP_MAC_ADMIN) | cap_bit(CAP_MAC_OVERRIDE) | cap_bit(CAP_SYSLOG) |
    cap_bit(CAP_CHECKPOINT_RESTORE) | cap_bit(CAP_LINUX_IMMUTABLE) | cap_bit(CAP_SYS_RESOURCE);

// RF-CAP-003: outside the baseline and not reported by RF-CAP-001 (SYS_ADMIN),
// RF-CAP-002 (escape class) or RF-CAP-004 (NET_RAW).
constexpr std::uint64_t kOutsideBaselineCaps =
    ~kBaselineCaps & ~kEscapeClassCaps & ~cap_bit(CAP_SYS_ADMIN) & ~cap_bit(CAP_NET_RAW);

// The Pod Security restricted level: at most NET_BIND_SERVICE (RF-CAP-005, -006).
constexpr std::uint64_t kRestrictedCaps = cap_bit(CAP_NET_BIND_SERVICE);

}  // namespace ringfence::policy
