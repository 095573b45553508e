// Device rules on cgroup v2: an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE, attached to the sandbox's cgroup, decides
// every open and mknod of a device node. v1's devices.allow/deny files do
// not exist there.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// The program for `rules` (applied in order, the last matching rule decides,
// as devices.allow/deny; nothing matching: denied).
std::vector<bpf_insn> device_program(const policy::DeviceCgroupParams& rules);

// Loads the program and attaches it to the cgroup v2 directory `dir`.
Status attach_device_program(const std::string& dir, const policy::DeviceCgroupParams& rules);

}  // namespace ringfence::enforcer
