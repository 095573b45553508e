// What `ringfence learn` saw: per syscall, how often, and the distinct
// values of each argument up to a cap.
#include <algorithm>

#include "ringfence/policy/learn.h"
#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {

void LearnedCalls::add(std::string_view syscall, const std::array<std::uint64_t, 6>& args) {
  auto it = syscalls_.find(syscall);
  if (it == syscalls_.end()) it = syscalls_.emplace(std::string(syscall), LearnedSyscall{}).first;
  LearnedSyscall& s = it->second;
  ++s.calls;
  for (unsigned i = 0; i < args.size(); ++i) {
    LearnedArgument& a = s.args[i];
    if (a.any) continue;
    // The kernel reads only the low 32 bits of an int argument; the high
    // ones are whatever the register held, and must not count as a value.
    const std::uint64_t v = argument_is_int(syscall, i) ? (args[i] & 0xffffffffULL) : args[i];
    if (std::find(a.values.begin(), a.values.end(), v) != a.values.end()) continue;
    if (a.values.size() == LearnedArgument::kMaxValues) {
      a.any = true;
      a.values.clear();
      a.values.shrink_to_fit();
      continue;
    }
    a.values.push_back(v);
  }
}

bool learn_pins_argument(std::string_view syscall, unsigned index) { return argument_is_int(syscall, index); }

}  // namespace ringfence::policy
