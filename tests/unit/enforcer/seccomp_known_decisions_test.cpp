// Known answers for the default filter, written by hand from Docker's
// default.json (tests/data/docker-default-seccomp.json, the copy of
// /work/shared/reference/docker-default-seccomp.json) for a container with
// Docker's default capabilities on a kernel of 4.8 or later — not computed by
// any code of ringfence or of its tests. The equivalence test compares with a
// model of Docker; this one checks that model and the compiler against a few
// decisions a reader of the JSON can confirm line by line:
//   - the first entry allows read, getpid, ... (no conditions);
//   - mount, unshare and bpf are allowed only with CAP_SYS_ADMIN, reboot only
//     with CAP_SYS_BOOT, kexec_load not at all: the default, ERRNO with no
//     defaultErrnoRet, which is EPERM;
//   - chroot needs CAP_SYS_CHROOT, one of Docker's default capabilities;
//   - ptrace is allowed from kernel 4.8 (includes.minKernel);
//   - clone is allowed when arg0 & 0x7E020000 == 0 (arg1 on s390), so
//     CLONE_NEWUSER is refused;
//   - clone3 answers errnoRet 38 (ENOSYS) without CAP_SYS_ADMIN;
//   - personality is allowed for 0, 8, 0x20000, 0x20008, 0xffffffff only.
// Checked on x86_64 and x86 (the plan's arches on this host) and aarch64
// (the same rules compiled for it: none of these depends on the arch).
#include <linux/audit.h>
#include <linux/sched.h>
#include <seccomp.h>

#include <cerrno>
#include <csignal>

#include "seccomp_test_support.h"

namespace ringfence::test {
namespace {

constexpr std::uint32_t kRetAllow = SECCOMP_RET_ALLOW;
constexpr std::uint32_t errno_ret(int e) { return SECCOMP_RET_ERRNO | static_cast<std::uint32_t>(e); }

struct Known {
  const char* syscall;
  std::uint64_t arg0;
  std::uint32_t expected;
};

const std::vector<Known> kKnown = {
    {"read", 0, kRetAllow},
    {"getpid", 0, kRetAllow},
    {"mount", 0, errno_ret(EPERM)},
    {"unshare", CLONE_NEWUSER, errno_ret(EPERM)},
    {"bpf", 0, errno_ret(EPERM)},
    {"reboot", 0, errno_ret(EPERM)},
    {"kexec_load", 0, errno_ret(EPERM)},
    {"chroot", 0, kRetAllow},
    {"ptrace", 0, kRetAllow},
    {"clone", SIGCHLD, kRetAllow},
    {"clone", CLONE_NEWUSER | SIGCHLD, errno_ret(EPERM)},
    {"clone", CLONE_NEWNET | SIGCHLD, errno_ret(EPERM)},
    {"clone3", 0, errno_ret(ENOSYS)},
    {"personality", 0x20008, kRetAllow},
    {"personality", 0x0040000, errno_ret(EPERM)},  // ADDR_NO_RANDOMIZE
};

const policy::SeccompFilter& default_filter() {
  static const policy::Compiled c = [] {
    enter_source_dir();
    return policy::compile({"default"});
  }();
  EXPECT_TRUE(c.ok()) << c.diags.format();
  return *plan_filter(c);
}

void expect_known(const policy::SeccompFilter& filter, const Arch& arch) {
  std::string error;
  const auto compiled = enforcer::compile_filter(filter, error);
  ASSERT_TRUE(compiled) << error;
  for (const Known& k : kKnown) {
    const int nr = seccomp_syscall_resolve_name_arch(arch.token, k.syscall);
    ASSERT_GE(nr, 0) << k.syscall << " on " << arch.name;
    const auto r = run_or_fail(compiled->program, syscall_data(arch.audit, static_cast<std::uint32_t>(nr), {k.arg0}));
    EXPECT_EQ(ret_name(r.ret), ret_name(k.expected))
        << arch.name << " " << k.syscall << "(" << std::hex << k.arg0 << ")";
  }
}

TEST(SeccompKnownDecisions, DefaultProfileOnX86_64AndX86) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "the plan's arches are the host's";
  const auto& filter = default_filter();
  expect_known(filter, {"x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64});
  expect_known(filter, {"x86", SCMP_ARCH_X86, AUDIT_ARCH_I386});
  // A number above every syscall the profile knows is newer than it: ENOSYS
  // so that the program falls back, as runc's stub answers.
  std::string error;
  const auto compiled = enforcer::compile_filter(filter, error);
  ASSERT_TRUE(compiled) << error;
  EXPECT_EQ(ret_name(run_or_fail(compiled->program, syscall_data(AUDIT_ARCH_X86_64, 1000)).ret),
            ret_name(errno_ret(ENOSYS)));
}

TEST(SeccompKnownDecisions, DefaultProfilesRulesCompiledForAarch64) {
  policy::SeccompFilter filter = default_filter();
  filter.arches = {"aarch64"};
  filter.enosys_above.clear();  // the thresholds are the x86 arches'
  expect_known(filter, {"aarch64", SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64});
}

}  // namespace
}  // namespace ringfence::test
