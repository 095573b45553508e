// `ringfence learn`: what a program did beyond its base profile's seccomp
// allow-list (LearnedCalls, filled by the supervisor from the notifications
// it let through), and the TOML profile that allows exactly that
// (learned_profile_toml). Knows nothing of processes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

// The distinct values one argument took, up to kMaxValues; past that, the
// argument is "any" and its values are no longer kept.
struct LearnedArgument {
  static constexpr std::size_t kMaxValues = 16;
  std::vector<std::uint64_t> values;  // in the order first seen
  bool any = false;
};

struct LearnedSyscall {
  std::uint64_t calls = 0;
  std::array<LearnedArgument, 6> args;
};

class LearnedCalls {
 public:
  // One call the filter would have refused. An int-typed argument
  // (argument_is_int) is kept as its low 32 bits, all the kernel reads.
  void add(std::string_view syscall, const std::array<std::uint64_t, 6>& args);
  // A call whose number libseccomp could not name: counted, not learned.
  void add_unknown() { ++unknown_; }

  const std::map<std::string, LearnedSyscall, std::less<>>& syscalls() const { return syscalls_; }
  std::uint64_t unknown() const { return unknown_; }
  // Set when the program ran and ended (the supervisor's loop finished):
  // what was learned is the whole run.
  bool finished = false;

 private:
  std::map<std::string, LearnedSyscall, std::less<>> syscalls_;
  std::uint64_t unknown_ = 0;
};

// Which arguments a learned rule may pin to the one value seen: only
// int-typed arguments that select an operation (argument_is_int: the
// socket family, an ioctl or fcntl command, a prctl option...). Pointers,
// lengths, descriptors and unused argument registers are never pinned —
// they differ from run to run, and a rule on them would refuse the same
// program next time.
bool learn_pins_argument(std::string_view syscall, unsigned index);

struct LearnedProfileInfo {
  std::string name;                   // [profile] name
  std::string extends;                // as it goes into `extends`
  std::vector<std::string> command;   // the program and its arguments
  std::vector<std::string> invocation;  // the ringfence command line, for the header
  std::string when;                   // RFC 3339
  std::string arch;                   // the native architecture
  int exit_status = 0;                // the program's
};

// The profile text: a header comment, [profile] with `extends`, and
// [[seccomp.rules]] with action "allow":
// - the syscalls whose pinnable arguments did not each keep one value, in
//   one rule without conditions;
// - each syscall with pinned arguments in its own rule with `args`;
// - a profile rule that names a syscall replaces everything the base said
//   about it, so for each syscall with pinned arguments the base's rules
//   that let it run for some arguments (`filter`, the resolved base) are
//   written again, with their exact conditions;
// - a syscall the base lets run whatever its arguments is not written.
std::string learned_profile_toml(const LearnedCalls& learned, const SeccompFilter& filter,
                                 const LearnedProfileInfo& info);

// A TOML basic string, quoted and escaped.
std::string toml_quote(std::string_view text);

}  // namespace ringfence::policy
