// Helpers shared by the enforcer's seccomp tests: building seccomp_data,
// getting a profile's filter out of its plan, and naming return values.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>

#include "ringfence/enforcer/bpf_program.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/plan.h"

namespace ringfence::test {

// x32 shares AUDIT_ARCH_X86_64 with x86_64 and sets this bit in the number.
inline constexpr std::uint32_t kX32Bit = 0x40000000;

using Args = std::array<std::uint64_t, 6>;

// An architecture as the tests name it to libseccomp and find it in
// seccomp_data.
struct Arch {
  const char* name;     // libseccomp's
  std::uint32_t token;  // libseccomp's arch token
  std::uint32_t audit;  // seccomp_data.arch
};

// The tests of the three x86 ABIs run on an x86-64 host only.
inline bool x86_host() { return seccomp_arch_native() == SCMP_ARCH_X86_64; }

// Data files and shipped profiles are named relative to the source tree.
inline void enter_source_dir() {
  static const bool done = [] { return chdir(RINGFENCE_SOURCE_DIR) == 0; }();
  ASSERT_TRUE(done) << "cannot chdir to " << RINGFENCE_SOURCE_DIR;
}

inline seccomp_data syscall_data(std::uint32_t audit_arch, std::uint32_t nr, const Args& args = {}) {
  seccomp_data d{};
  d.nr = static_cast<int>(nr);
  d.arch = audit_arch;
  d.instruction_pointer = 0x7f0000001000;
  for (std::size_t i = 0; i < args.size(); ++i) d.args[i] = args[i];
  return d;
}

// The filter of `seccomp.compile` in a compiled profile.
inline const policy::SeccompFilter* plan_filter(const policy::Compiled& c) {
  if (!c.plan) return nullptr;
  return c.plan->params<policy::StepKind::SeccompCompile>();
}

// "ERRNO(1)", "ALLOW", ... for failure messages.
inline std::string ret_name(std::uint32_t ret) {
  const std::uint32_t data = enforcer::ret_data(ret);
  switch (enforcer::ret_action(ret)) {
    case SECCOMP_RET_KILL_PROCESS:
      return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD:
      return "KILL_THREAD";
    case SECCOMP_RET_TRAP:
      return fmt::format("TRAP({})", data);
    case SECCOMP_RET_ERRNO:
      return fmt::format("ERRNO({})", data);
    case SECCOMP_RET_USER_NOTIF:
      return "USER_NOTIF";
    case SECCOMP_RET_TRACE:
      return fmt::format("TRACE({})", data);
    case SECCOMP_RET_LOG:
      return "LOG";
    case SECCOMP_RET_ALLOW:
      return "ALLOW";
  }
  return fmt::format("{:#x}", ret);
}

// Runs `program` and fails the test when the interpreter rejects it.
inline enforcer::BpfResult run_or_fail(const enforcer::BpfProgram& program, const seccomp_data& data) {
  std::string error;
  auto r = enforcer::bpf_run(program, data, &error);
  EXPECT_TRUE(r.has_value()) << "arch " << std::hex << data.arch << " nr " << std::dec << data.nr << ": " << error;
  return r.value_or(enforcer::BpfResult{SECCOMP_RET_KILL_PROCESS, 0});
}

}  // namespace ringfence::test
