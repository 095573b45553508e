// A classic-BPF seccomp program, and an interpreter for it.
//
// The interpreter runs a program on a seccomp_data in user space. It lets
// tests judge what a filter decides for every syscall without loading it
// (and without trusting the library that produced it), lets the benchmarks
// count the instructions a call executes, and lets the compliance checker
// compare a filter read from a live process with the plan's.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ringfence::enforcer {

struct BpfProgram {
  std::vector<sock_filter> insns;
};

struct BpfResult {
  std::uint32_t ret = 0;     // the SECCOMP_RET_* value the program returned
  std::size_t executed = 0;  // instructions executed to get there
};

// Runs `program` on `data`. Returns nothing (and sets `error`) when the
// program is not a valid seccomp program: an unknown opcode, a jump out of
// range, a load outside seccomp_data, or no return.
std::optional<BpfResult> bpf_run(const BpfProgram& program, const seccomp_data& data, std::string* error = nullptr);

// The action part of a return value (SECCOMP_RET_ACTION_FULL) and its data.
inline std::uint32_t ret_action(std::uint32_t ret) { return ret & SECCOMP_RET_ACTION_FULL; }
inline std::uint32_t ret_data(std::uint32_t ret) { return ret & SECCOMP_RET_DATA; }

}  // namespace ringfence::enforcer
