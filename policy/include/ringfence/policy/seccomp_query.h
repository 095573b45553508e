// Questions about a resolved seccomp filter that do not need BPF: what it
// decides for a syscall called with any arguments.
#pragma once

#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <string>
#include <string_view>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

// Does the filter let `syscall` run whatever its arguments (allow or log)?
bool seccomp_allows(const SeccompFilter& filter, std::string_view syscall);

// Every syscall the filter's rules name that it lets run whatever the
// arguments: seccomp_allows for all of them in one pass.
std::unordered_set<std::string> seccomp_allowed_names(const SeccompFilter& filter);
// The same names as views into the filter's rules, for a caller that only
// compares them (the linter, once per profile): no string is copied.
std::vector<std::string_view> seccomp_allowed_views(const SeccompFilter& filter);

// Does the filter send `syscall` to the supervisor (notify), for some
// arguments at least?
bool seccomp_notifies(const SeccompFilter& filter, std::string_view syscall);

// What the loaded filter does where the resolved filter says `written`: one
// definition for the enforcer (which compiles it), the compiler's checks and
// the supervisor.
// - learn mode: every refusal (errno, kill, trap, notify) goes to the
//   supervisor, which lets the call run. Except ENOSYS answers: they ask the
//   program to fall back (glibc tries clone3, then clone), and learning them
//   would teach the profile the call it only tries first. And except
//   sendmsg, which carries the listener to the supervisor: it keeps what
//   the filter says (the enforcer gives it its own rule with the written
//   default action when no rule names it).
SeccompAction seccomp_loaded_action(const SeccompFilter& filter, const SeccompAction& written,
                                    std::string_view syscall);
SeccompAction seccomp_loaded_default(const SeccompFilter& filter);

}  // namespace ringfence::policy

#include <array>
#include <cstdint>

namespace ringfence::policy {

// The rule of `filter` that decides a call of syscall number `nr` on
// architecture `arch` (a libseccomp/AUDIT_ARCH token) with `args`, or
// nullptr when the default action decides it. The supervisor uses it to
// answer notifications with the rule's errno.
const SeccompRule* seccomp_match(const SeccompFilter& filter, std::uint32_t arch, int nr,
                                 const std::array<std::uint64_t, 6>& args);
// seccomp_match for a process that asks again and again (the supervisor):
// the rules that name each syscall, looked up by name instead of scanned.
class SeccompRuleIndex {
 public:
  explicit SeccompRuleIndex(const SeccompFilter& filter);
  const SeccompRule* match(std::string_view name, const std::array<std::uint64_t, 6>& args) const;
  // Without the arguments or the errno (the kernel's audit record has only
  // the action's kind): the first rule naming the call whose action is of
  // kind `taken`, or nullptr.
  const SeccompRule* deciding(std::string_view name, SeccompActionKind taken) const;

 private:
  std::unordered_map<std::string_view, std::vector<const SeccompRule*>> by_name_;
};

// A syscall's name from its number as a notification carries it (x32 calls
// are x86_64 numbers with the x32 bit); "" when libseccomp does not know it.
std::string seccomp_syscall_name(std::uint32_t arch, int nr);
// "x86_64", "x86", "x32"... for an AUDIT_ARCH token, else its hex value.
std::string seccomp_arch_name(std::uint32_t arch);

// The native architecture's token and a syscall's number on it (-1: unknown).
std::uint32_t seccomp_native_arch();
int seccomp_syscall_number(std::string_view name);

}  // namespace ringfence::policy
