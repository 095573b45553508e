// What `strict` refuses beyond `default`, and what `default` refuses beyond
// Docker 20.10 (ringfence issue 10, finding 7), decided in user space by the
// BPF interpreter on the filter the enforcer would load: every call, on each
// x86 architecture, with the arguments a debugger or an exploit would pass.
//
// strict must refuse them whatever capabilities a layer on top adds, because
// Docker's rules open ptrace and its family with CAP_SYS_PTRACE, bpf and
// perf_event_open with CAP_SYS_ADMIN, iopl with CAP_SYS_RAWIO.
// tests/integration/escape_test.cpp makes the same calls for real.
#include <linux/bpf.h>
#include <seccomp.h>
#include <sys/ptrace.h>

#include <set>

#include "ringfence/policy/loader.h"
#include "seccomp_test_support.h"

namespace ringfence::test {
namespace {

// strict.toml's own refusals (docs/seccomp.md explains each).
const std::vector<std::string> kStrictRefuses = {
    "ptrace",         "process_vm_readv", "process_vm_writev", "kcmp",           "pidfd_getfd",
    "process_madvise", "perf_event_open", "bpf",               "lookup_dcookie", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "userfaultfd",      "iopl",           "ioperm",
};

const std::vector<std::string> kIoUring = {"io_uring_setup", "io_uring_enter", "io_uring_register"};

// `profile` with a layer on top that adds `caps` (none: the profile alone).
policy::Compiled compile_with_caps(const std::string& profile, const std::vector<std::string>& caps) {
  if (caps.empty()) return policy::compile({profile});
  std::string list;
  for (const auto& c : caps) list += (list.empty() ? "\"" : ", \"") + c + "\"";
  const std::string text = "[profile]\nname = \"more-caps\"\n\n[capabilities]\nadd = [" + list + "]\n";
  policy::Diagnostics diags;
  auto layer = policy::read_layer(text, "more-caps.toml", 0, diags);
  EXPECT_TRUE(layer) << diags.format();
  if (!layer) return {};
  std::vector<policy::Layer> extra;
  extra.push_back(std::move(*layer));
  return policy::compile({profile}, std::move(extra));
}

struct X86Arch {
  const char* name;
  std::uint32_t token;       // libseccomp's
  std::uint32_t audit_arch;  // what the kernel puts in seccomp_data
};
constexpr X86Arch kX86[] = {
    {"x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64},
    {"x86", SCMP_ARCH_X86, AUDIT_ARCH_I386},
    {"x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64},  // its numbers carry the x32 bit
};

// Zero arguments, and what a debugger or an exploit passes first: ptrace's
// TRACEME, ATTACH and SEIZE; bpf's PROG_LOAD and MAP_CREATE; garbage.
const std::vector<Args> kArgs = {
    Args{},
    Args{PTRACE_TRACEME},
    Args{PTRACE_ATTACH, 1},
    Args{PTRACE_SEIZE, 1},
    Args{BPF_PROG_LOAD, 0x7f0000001000, sizeof(bpf_attr)},
    Args{BPF_MAP_CREATE, 0x7f0000001000, sizeof(bpf_attr)},
    Args{0xffffffffffffffff, 0xffffffff00000000, 0x8000000000000000, 1, 2, 3},
};

// Every decision of `compiled`'s filter about `syscalls` that is not EPERM,
// one line each ("" when they all are).
std::string not_refused(const policy::Compiled& compiled, const std::vector<std::string>& syscalls) {
  const policy::SeccompFilter* filter = plan_filter(compiled);
  if (filter == nullptr) return "no seccomp filter\n";
  std::string error;
  const auto program = enforcer::compile_filter(*filter, error);
  if (!program) return "the filter does not compile: " + error + "\n";
  std::string out;
  int decided = 0;
  for (const auto& arch : kX86) {
    for (const auto& name : syscalls) {
      const int nr = seccomp_syscall_resolve_name_arch(arch.token, name.c_str());
      if (nr < 0) continue;  // not a syscall of this architecture (iopl on x32)
      std::set<std::string> answers;
      for (const auto& args : kArgs) {
        const std::uint32_t ret =
            run_or_fail(program->program, syscall_data(arch.audit_arch, static_cast<std::uint32_t>(nr), args)).ret;
        ++decided;
        if (ret != (SECCOMP_RET_ERRNO | EPERM)) answers.insert(ret_name(ret));
      }
      if (!answers.empty()) out += fmt::format("  {} {}: {}\n", arch.name, name, fmt::join(answers, ", "));
    }
  }
  if (decided == 0) out += "no call was decided\n";
  return out;
}

TEST(StrictSeccomp, RefusesEveryDebuggerAndKernelBypassCallWhateverTheCapabilities) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "the cases are x86's";
  enter_source_dir();
  const std::vector<std::vector<std::string>> variants = {
      {},
      // Each capability that opens one of the calls in Docker's rules.
      {"SYS_PTRACE", "SYS_ADMIN", "SYS_RAWIO", "SYS_NICE", "PERFMON", "BPF"},
      {"ALL"},
  };
  for (const auto& caps : variants) {
    SCOPED_TRACE(fmt::format("strict + [{}]", fmt::join(caps, ", ")));
    const policy::Compiled c = compile_with_caps("strict", caps);
    ASSERT_TRUE(c.ok()) << c.diags.format();
    EXPECT_EQ(not_refused(c, kStrictRefuses), "");
  }
}

// Docker 25 and containerd 2.0 refuse io_uring; so does ringfence's
// default, and no capability opens it (Docker never tied it to one).
TEST(DefaultSeccomp, RefusesIoUringWhateverTheCapabilities) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "the cases are x86's";
  enter_source_dir();
  for (const std::vector<std::string>& caps : {std::vector<std::string>{}, std::vector<std::string>{"ALL"}}) {
    SCOPED_TRACE(fmt::format("default + [{}]", fmt::join(caps, ", ")));
    const policy::Compiled c = compile_with_caps("default", caps);
    ASSERT_TRUE(c.ok()) << c.diags.format();
    EXPECT_EQ(not_refused(c, kIoUring), "");
  }
}

// The refusals are strict's own rules, each with the reason `ringfence plan
// strict` prints above it.
TEST(StrictSeccomp, ItsOwnRulesNameEachCallAndSayWhy) {
  enter_source_dir();
  const policy::Compiled c = policy::compile({"strict"});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  std::set<std::string> named;
  for (const auto& rule : plan_filter(c)->rules) {
    if (rule.from.file != "shipped:strict.toml") continue;
    EXPECT_FALSE(rule.comment.empty()) << "a rule of strict.toml at line " << rule.from.line << " says no why";
    EXPECT_EQ(rule.action.kind, policy::SeccompActionKind::Errno);
    EXPECT_EQ(rule.action.errno_value, EPERM);
    named.insert(rule.syscalls.begin(), rule.syscalls.end());
  }
  // iopl and ioperm are x86 calls: on other hosts the rule names them but
  // they are never called.
  EXPECT_EQ(named, std::set<std::string>(kStrictRefuses.begin(), kStrictRefuses.end()));
}

}  // namespace
}  // namespace ringfence::test
