// The kernel's combination of a thread's seccomp filters, shared by the
// verify of seccomp.load (RF-SEC-002) and the surface checks (RF-SEC-003
// to -005).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ringfence/enforcer/bpf_program.h"

namespace ringfence::enforcer::detail {

// On x86-64, the bit that marks an x32 system call number.
inline constexpr std::uint32_t kX32SyscallBit = 0x40000000;

// The action of highest precedence (lowest as a signed number) wins;
// filters run newest first. Empty when a program is in error.
inline std::optional<std::uint32_t> decide(const std::vector<BpfProgram>& filters, const seccomp_data& data) {
  std::optional<std::uint32_t> ret;
  for (const auto& f : filters) {
    const auto r = bpf_run(f, data);
    if (!r) return std::nullopt;
    if (!ret || static_cast<std::int32_t>(ret_action(r->ret)) < static_cast<std::int32_t>(ret_action(*ret))) ret = r->ret;
  }
  return ret;
}

// The call runs: allowed, or allowed and logged.
inline bool lets_run(std::optional<std::uint32_t> ret) {
  return ret && (ret_action(*ret) == SECCOMP_RET_ALLOW || ret_action(*ret) == SECCOMP_RET_LOG);
}

}  // namespace ringfence::enforcer::detail
