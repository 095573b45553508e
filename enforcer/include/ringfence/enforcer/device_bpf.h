// Device rules on cgroup v2: an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE, attached to the sandbox's cgroup, decides
// every open and mknod of a device node. v1's devices.allow/deny files do
// not exist there.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// The program for `rules` (applied in order, the last matching rule decides,
// as devices.allow/deny; nothing matching: denied).
std::vector<bpf_insn> device_program(const policy::DeviceCgroupParams& rules);

// Loads the program and attaches it to the cgroup v2 directory `dir`.
Status attach_device_program(const std::string& dir, const policy::DeviceCgroupParams& rules);

// The device programs in force for the cgroup v2 directory `dir`: its own
// and its ancestors' (BPF_F_QUERY_EFFECTIVE), each as the kernel keeps it
// after verification (its "xlated" instructions). Reading them takes
// CAP_SYS_ADMIN (EPERM without).
Result<std::vector<std::vector<bpf_insn>>> device_programs_in_force(const std::string& dir);

// One device access a program is asked about: type 'c' or 'b', one of
// 'r', 'w', 'm'.
struct DeviceAccess {
  char type = 'c';
  char access = 'r';
  std::int64_t major = 0, minor = 0;
};

// What `program` answers for `a`, run as the kernel would run it: true to
// allow. Only the instructions device programs are made of are understood
// (loads from the context, 32- and 64-bit ALU with constants and
// registers, jumps, exit); anything else, a jump out of the program or a
// loop, is nullopt: the program cannot be judged here.
std::optional<bool> device_program_allows(const std::vector<bpf_insn>& program, const DeviceAccess& a);

// What the kernel answers with `programs` in force: each must allow.
std::optional<bool> device_programs_allow(const std::vector<std::vector<bpf_insn>>& programs, const DeviceAccess& a);

// What `rules` answer for `a`: the last rule that matches decides
// (devices.allow/deny's reading); none matching, denied. Written from the
// rules, not from the program device_program() makes of them, so that a
// program is judged against the plan and not against itself.
bool device_rules_allow(const policy::DeviceCgroupParams& rules, const DeviceAccess& a);

// The device numbers that tell `rules` and `programs` apart: every number
// the rules name, every number a program compares with (and its
// neighbours, for ranges), and one nothing names (4242). A program that
// allows a device the rules never name (the host's disk) is asked about it.
std::vector<std::int64_t> device_probe_numbers(const policy::DeviceCgroupParams& rules,
                                               const std::vector<std::vector<bpf_insn>>& programs);

}  // namespace ringfence::enforcer
