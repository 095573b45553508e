// The seccomp filter of a plan compiled to a BPF program with libseccomp,
// in the parent, before the sandbox exists (step `seccomp.compile`).
#pragma once

#include <optional>
#include <string>

#include "ringfence/enforcer/bpf_program.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// The longest program the kernel accepts (BPF_MAXINSNS).
inline constexpr std::size_t kMaxBpfInstructions = 4096;

struct CompiledFilter {
  BpfProgram program;
  bool uses_notify = false;  // load with SECCOMP_FILTER_FLAG_NEW_LISTENER
};

// libseccomp builds the rules for the native architecture and its
// sub-architectures with its binary-tree optimisation and without its own
// no_new_privs (that is the plan's step); ringfence then puts in front a
// short preamble that answers ENOSYS for syscalls newer than the profile
// (see SeccompFilter::enosys_above). Returns nothing and sets `error` when
// libseccomp refuses a rule or the program is too long for the kernel or
// otherwise one it would not load (bpf_check).
std::optional<CompiledFilter> compile_filter(const policy::SeccompFilter& filter, std::string& error);

// The SECCOMP_RET_* value that a plan action compiles to.
std::uint32_t seccomp_ret(const policy::SeccompAction& action);

}  // namespace ringfence::enforcer
