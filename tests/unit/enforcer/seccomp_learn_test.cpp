// Learn mode in the compiled program: what the filter would refuse goes to
// the supervisor (USER_NOTIF), except ENOSYS answers and sendmsg; what it
// allows stays allowed.
#include <linux/audit.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>

#include <cerrno>

#include "ringfence/enforcer/seccomp_cache.h"
#include "seccomp_test_support.h"

namespace ringfence::test {
namespace {

using policy::SeccompAction;
using policy::SeccompActionKind;
using policy::SeccompFilter;

std::uint32_t decide(const enforcer::BpfProgram& p, const char* name, const Args& args = {}) {
  const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
  EXPECT_GE(nr, 0) << name;
  return run_or_fail(p, syscall_data(AUDIT_ARCH_X86_64, static_cast<std::uint32_t>(nr), args)).ret;
}

SeccompFilter default_filter(bool learn) {
  enter_source_dir();
  policy::CompileOptions options;
  options.learn = learn;
  const policy::Compiled c = policy::compile({"default"}, {}, options);
  EXPECT_TRUE(c.ok()) << c.diags.format();
  const SeccompFilter* f = plan_filter(c);
  return f ? *f : SeccompFilter{};
}

std::optional<enforcer::CompiledFilter> compile_or_skip(const SeccompFilter& f, bool& skip) {
  std::string error;
  auto c = enforcer::compile_filter(f, error);
  skip = !c && seccomp_api_get() < 6;
  if (!skip) {
    EXPECT_TRUE(c) << error;
  }
  return c;
}

TEST(SeccompLearn, RefusalsGoToTheSupervisorAndAllowedCallsStayAllowed) {
  if (!x86_host()) GTEST_SKIP() << "x86 arches";
  const SeccompFilter f = default_filter(true);
  ASSERT_TRUE(f.learn);
  bool skip = false;
  const auto c = compile_or_skip(f, skip);
  if (skip) GTEST_SKIP() << "no user notification here";
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->uses_notify);
  // The default action (mount is not in the allow-list) and a conditional
  // refusal (clone with namespace flags) are notified.
  EXPECT_EQ(ret_name(decide(c->program, "mount")), "USER_NOTIF");
  EXPECT_EQ(ret_name(decide(c->program, "clone", Args{CLONE_NEWUSER | SIGCHLD})), "USER_NOTIF");
  EXPECT_EQ(ret_name(decide(c->program, "clone", Args{SIGCHLD})), "ALLOW");
  EXPECT_EQ(ret_name(decide(c->program, "read")), "ALLOW");
  // ENOSYS asks for a fallback: it is kept, not learned.
  EXPECT_EQ(ret_name(decide(c->program, "clone3")), fmt::format("ERRNO({})", ENOSYS));
  // sendmsg carries the listener: never notified.
  EXPECT_EQ(ret_name(decide(c->program, "sendmsg")), "ALLOW");
}

TEST(SeccompLearn, WithoutLearnTheSameProfileRefuses) {
  if (!x86_host()) GTEST_SKIP() << "x86 arches";
  bool skip = false;
  const auto c = compile_or_skip(default_filter(false), skip);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->uses_notify);
  EXPECT_EQ(ret_name(decide(c->program, "mount")), fmt::format("ERRNO({})", EPERM));
}

TEST(SeccompLearn, AnUnnamedSendmsgKeepsTheWrittenDefault) {
  if (!x86_host()) GTEST_SKIP() << "x86 arches";
  SeccompFilter f;
  f.arches = {"x86_64", "x86", "x32"};
  f.default_action = SeccompAction{SeccompActionKind::Errno, EACCES};
  policy::SeccompRule allow;
  allow.syscalls = {"read", "execve", "exit_group"};
  allow.action = SeccompAction{SeccompActionKind::Allow, 0};
  f.rules.push_back(allow);
  policy::SeccompRule kill;
  kill.syscalls = {"reboot"};
  kill.action = SeccompAction{SeccompActionKind::KillProcess, 0};
  f.rules.push_back(kill);
  f.learn = true;
  bool skip = false;
  const auto c = compile_or_skip(f, skip);
  if (skip) GTEST_SKIP() << "no user notification here";
  ASSERT_TRUE(c);
  EXPECT_EQ(ret_name(decide(c->program, "sendmsg")), fmt::format("ERRNO({})", EACCES));
  EXPECT_EQ(ret_name(decide(c->program, "mkdir")), "USER_NOTIF");
  EXPECT_EQ(ret_name(decide(c->program, "reboot")), "USER_NOTIF") << "kill rules are learned too";
  EXPECT_EQ(ret_name(decide(c->program, "read")), "ALLOW");
}

TEST(SeccompLearn, TheCacheKeyTellsLearnModeApart) {
  SeccompFilter f = default_filter(false);
  const std::string plain = enforcer::seccomp_cache_key(f);
  f.learn = true;
  EXPECT_NE(enforcer::seccomp_cache_key(f), plain);
}

}  // namespace
}  // namespace ringfence::test
