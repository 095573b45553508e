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

// Checks the whole program as the kernel does when it is loaded
// (seccomp_check_filter, bpf_check_classic): its length, that every opcode
// is one seccomp allows, that loads stay inside seccomp_data and scratch
// slots in range, that both targets of every jump are inside the program,
// and that it ends with a return.
bool bpf_check(const BpfProgram& program, std::string* error = nullptr);

// Runs `program` on `data`. Returns nothing (and sets `error`) when an
// instruction it executes would make the kernel refuse the program (the
// checks of bpf_check, one instruction at a time), when it reads a scratch
// slot that it has not written, or when it runs off the end.
std::optional<BpfResult> bpf_run(const BpfProgram& program, const seccomp_data& data, std::string* error = nullptr);

// The action part of a return value (SECCOMP_RET_ACTION_FULL) and its data.
inline std::uint32_t ret_action(std::uint32_t ret) { return ret & SECCOMP_RET_ACTION_FULL; }
inline std::uint32_t ret_data(std::uint32_t ret) { return ret & SECCOMP_RET_DATA; }

}  // namespace ringfence::enforcer
