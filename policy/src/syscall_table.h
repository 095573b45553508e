// Syscall names as small integers, interned once per process. The seccomp
// resolver keys everything by syscall; with names as keys it compared and
// copied strings thousands of times per compile and asked libseccomp again
// for every name of every rule (a string allocated each time). Here a name
// is looked up in libseccomp the first time the process meets it, and its
// numbers on the filter's architectures with it; later compiles only hash.
// Internal to the policy module.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace ringfence::policy {

using SyscallId = std::uint32_t;
// A name libseccomp does not know (such names are never interned, so that
// a profile full of typos cannot grow the table).
inline constexpr SyscallId kUnknownSyscall = std::numeric_limits<SyscallId>::max();

// native_and_sub_arches() has at most three architectures (x86_64, x86, x32).
inline constexpr std::size_t kMaxFilterArches = 3;
// A syscall's number on each of native_and_sub_arches(), in that order, as
// seccomp_syscall_resolve_name_arch answers (negative: none there).
using SyscallNumbers = std::array<int, kMaxFilterArches>;

// The id of one name, kUnknownSyscall where libseccomp does not know it
// (seccomp_syscall_resolve_name answers __NR_SCMP_ERROR).
SyscallId syscall_id(std::string_view name);
// The same for many names under one lock: a compile asks about hundreds.
std::vector<SyscallId> syscall_ids(const std::vector<std::string_view>& names);

// For each of native_and_sub_arches(), the highest number any of `ids` has
// there (0 when none has one); every id must come from syscall_id(s).
SyscallNumbers highest_syscall_numbers(const std::vector<SyscallId>& ids);

// How many names are interned: every id handed out so far is below it, so
// per-compile arrays indexed by id can be sized with it.
std::size_t syscall_id_count();

}  // namespace ringfence::policy
