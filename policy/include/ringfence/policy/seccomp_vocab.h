// How seccomp actions, comparison operators and architectures are spelled
// in profiles, in Docker's JSON and in libseccomp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

// "allow", "errno", "kill-thread", "kill-process", "trap", "log", "notify"
const std::vector<std::string>& seccomp_action_names();
std::optional<SeccompActionKind> seccomp_action_from_name(std::string_view name);
const char* seccomp_action_name(SeccompActionKind kind);

// "eq", "ne", "lt", "le", "gt", "ge", "masked_eq"
const std::vector<std::string>& seccomp_op_names();
std::optional<SeccompOp> seccomp_op_from_name(std::string_view name);
const char* seccomp_op_name(SeccompOp op);

// Docker's and libseccomp's architecture names -> libseccomp's
// ("amd64" -> "x86_64", "SCMP_ARCH_X86" -> "x86", Docker's "mips3l64n32"
// spelling -> "mipsel64n32").
std::optional<std::string> normalize_arch(std::string_view name);
const std::vector<std::string>& arch_names();
// libseccomp's name -> Docker's SCMP_ARCH_ constant name.
std::string docker_arch_constant(std::string_view arch);
// The native architecture and the sub-architectures a filter must also
// cover (x86_64 -> x86, x32), as Docker's archMap.
std::vector<std::string> native_and_sub_arches();

// Syscall arguments the kernel reads as 32-bit ints although seccomp sees 64
// bits: equality on them is compared on the low 32 bits only, so that high
// garbage bits cannot slip past a rule (CVE-2019-10063).
bool argument_is_int(std::string_view syscall, unsigned index);

}  // namespace ringfence::policy
