// The learned profile: what the supervisor saw becomes rules that compile,
// with arguments pinned only where the policy says; learn mode in the plan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "ringfence/policy/learn.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/policy/seccomp_query.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

using ::testing::HasSubstr;
using policy::LearnedCalls;
using policy::SeccompActionKind;
using policy::SeccompFilter;
using Args = std::array<std::uint64_t, 6>;

const SeccompFilter& filter_of(const policy::Compiled& c) {
  return (*c.plan->params<policy::StepKind::SeccompCompile>());
}

policy::Compiled base_compiled(const std::string& ref = "default") {
  enter_source_dir();
  auto c = policy::compile({ref});
  EXPECT_TRUE(c.ok()) << c.diags.format();
  return c;
}
policy::Compiled base_default() { return base_compiled(); }

policy::LearnedProfileInfo info(const std::string& extends = "default") {
  policy::LearnedProfileInfo i;
  i.name = "learned-test";
  i.extends = extends;
  i.command = {"/bin/sh", "-c", "mkdir /tmp/x && uname -a"};
  i.invocation = {"ringfence", "learn", "--", "/bin/sh", "-c", "..."};
  i.when = "2026-01-01T00:00:00Z";
  i.arch = "x86_64";
  return i;
}

// The generated text, compiled as a profile: it must be valid.
policy::Compiled round_trip(const LearnedCalls& learned, const std::string& base_ref = "default") {
  const auto base = base_compiled(base_ref);
  const std::string text = policy::learned_profile_toml(learned, filter_of(base), info(base_ref));
  auto c = compile_text(text, "learned.toml");
  EXPECT_TRUE(c.ok()) << c.diags.format() << "\n" << text;
  return c;
}

// A base on disk that refuses socket, which `default` allows.
class NoSocketBase {
 public:
  NoSocketBase() {
    char dir[] = "/tmp/ringfence-learn-XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    path_ = std::string(dir) + "/no-socket.toml";
    std::ofstream(path_) << "[profile]\nname = \"no-socket\"\nextends = \"default\"\n\n[[seccomp.rules]]\n"
                            "syscalls = [\"socket\"]\naction = \"errno\"\n";
  }
  ~NoSocketBase() {
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(path_).parent_path(), ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The rules of `filter` that name `syscall`.
std::vector<policy::SeccompRule> rules_for(const SeccompFilter& f, const std::string& syscall) {
  std::vector<policy::SeccompRule> out;
  for (const auto& r : f.rules)
    if (std::find(r.syscalls.begin(), r.syscalls.end(), syscall) != r.syscalls.end()) out.push_back(r);
  return out;
}

bool allowed(const SeccompFilter& f, const std::string& syscall, const Args& args) {
  const auto* rule = policy::seccomp_match(f, policy::seccomp_native_arch(), policy::seccomp_syscall_number(syscall), args);
  const auto& a = rule ? rule->action : f.default_action;
  return a.kind == SeccompActionKind::Allow;
}

TEST(LearnedCalls, KeepsDistinctValuesUpToTheCapThenAny) {
  LearnedCalls l;
  for (std::uint64_t i = 0; i < policy::LearnedArgument::kMaxValues; ++i) l.add("ioctl", {3, 0x5401 + i, 0, 0, 0, 0});
  l.add("ioctl", {3, 0x5401, 0, 0, 0, 0});  // seen before: no new value
  const auto& s = l.syscalls().at("ioctl");
  EXPECT_EQ(s.calls, policy::LearnedArgument::kMaxValues + 1);
  EXPECT_FALSE(s.args[1].any);
  EXPECT_EQ(s.args[1].values.size(), policy::LearnedArgument::kMaxValues);
  EXPECT_EQ(s.args[0].values, std::vector<std::uint64_t>{3});
  l.add("ioctl", {3, 0x9999, 0, 0, 0, 0});  // one more distinct value: any
  EXPECT_TRUE(l.syscalls().at("ioctl").args[1].any);
  EXPECT_TRUE(l.syscalls().at("ioctl").args[1].values.empty());
}

TEST(LearnedCalls, IntArgumentsAreKeptAsTheirLow32Bits) {
  LearnedCalls l;
  l.add("socket", {1, 1, 0, 0, 0, 0});
  l.add("socket", {0xdead00000001ULL, 1, 0, 0, 0, 0});  // garbage above an int
  EXPECT_EQ(l.syscalls().at("socket").args[0].values, std::vector<std::uint64_t>{1});
  l.add("mkdir", {0x7ffc00000010ULL, 0777, 0, 0, 0, 0});
  l.add("mkdir", {0x7ffd00000010ULL, 0777, 0, 0, 0, 0});
  EXPECT_EQ(l.syscalls().at("mkdir").args[0].values.size(), 2u) << "a pointer keeps all its bits";
}

TEST(LearnedProfile, SyscallsWithoutPinnedArgumentsShareOneUnconditionalRule) {
  LearnedCalls l;
  l.add("mount", {0x1000, 0x2000, 0x3000, 0, 0, 0});  // one call: every argument "fixed", but none pinnable
  l.add("reboot", {1, 2, 3, 4, 0, 0});
  l.add("socket", {1, 1, 0, 0, 0, 0});
  l.add("socket", {2, 1, 0, 0, 0, 0});
  l.add("socket", {10, 2, 0, 0, 0, 0});  // family and type vary, protocol fixed
  const NoSocketBase base;
  const auto c = round_trip(l, base.path());
  ASSERT_TRUE(c.ok());
  const auto& f = filter_of(c);
  for (const char* s : {"mount", "reboot"}) {
    const auto rules = rules_for(f, s);
    ASSERT_EQ(rules.size(), 1u) << s;
    EXPECT_EQ(rules[0].action.kind, SeccompActionKind::Allow);
    EXPECT_TRUE(rules[0].conditions.empty()) << s;
    EXPECT_THAT(rules[0].from.file, HasSubstr("learned.toml"));
  }
  // socket: protocol 0 on every call is pinned; the others are free.
  const auto socket = rules_for(f, "socket");
  ASSERT_EQ(socket.size(), 1u);
  ASSERT_EQ(socket[0].conditions.size(), 1u);
  EXPECT_EQ(socket[0].conditions[0].index, 2u);
  EXPECT_TRUE(allowed(f, "socket", {40, 5, 0, 0, 0, 0}));
  EXPECT_FALSE(allowed(f, "socket", {2, 1, 6, 0, 0, 0}));
  // Something never seen is still refused.
  EXPECT_FALSE(allowed(f, "umount2", {0, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(allowed(f, "init_module", {0, 0, 0, 0, 0, 0}));
}

TEST(LearnedProfile, OneFixedIntArgumentBecomesAnArgsRuleComparedOn32Bits) {
  LearnedCalls l;
  for (int i = 0; i < 3; ++i) l.add("setns", {static_cast<std::uint64_t>(3 + i), 0x40000000, 0, 0, 0, 0});
  const auto c = round_trip(l);
  ASSERT_TRUE(c.ok());
  const auto& f = filter_of(c);
  const auto rules = rules_for(f, "setns");
  ASSERT_EQ(rules.size(), 1u);
  ASSERT_EQ(rules[0].conditions.size(), 1u);
  const auto& cond = rules[0].conditions[0];
  EXPECT_EQ(cond.index, 1u);
  EXPECT_EQ(cond.op, policy::SeccompOp::MaskedEq);
  EXPECT_EQ(cond.mask, 0xffffffffULL);
  EXPECT_EQ(cond.value, 0x40000000ULL);
  EXPECT_TRUE(allowed(f, "setns", {9, 0x40000000, 0, 0, 0, 0}));
  EXPECT_TRUE(allowed(f, "setns", {9, 0xffffffff40000000ULL, 0, 0, 0, 0})) << "the kernel reads an int";
  EXPECT_FALSE(allowed(f, "setns", {9, 0x20000000, 0, 0, 0, 0})) << "another namespace type";
}

TEST(LearnedProfile, PastTheCapAnArgumentIsNoLongerPinned) {
  LearnedCalls l;
  for (std::uint64_t i = 0; i <= policy::LearnedArgument::kMaxValues; ++i) l.add("setns", {3, 1 + i, 0, 0, 0, 0});
  const auto c = round_trip(l);
  ASSERT_TRUE(c.ok());
  const auto rules = rules_for(filter_of(c), "setns");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_TRUE(rules[0].conditions.empty());
}

TEST(LearnedProfile, TheBasesConditionalAllowsForALearnedSyscallAreKept) {
  // personality(0) is allowed by the base with a condition; 0x12345 is not.
  const auto base = base_default();
  ASSERT_FALSE(allowed(filter_of(base), "personality", {0x12345, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(allowed(filter_of(base), "personality", {0, 0, 0, 0, 0, 0}));
  LearnedCalls l;
  l.add("personality", {0x12345, 0, 0, 0, 0, 0});
  const auto c = round_trip(l);
  ASSERT_TRUE(c.ok());
  const auto& f = filter_of(c);
  EXPECT_TRUE(allowed(f, "personality", {0x12345, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(allowed(f, "personality", {0, 0, 0, 0, 0, 0})) << "what the base allowed stays allowed";
  EXPECT_TRUE(allowed(f, "personality", {0xffffffff, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(allowed(f, "personality", {0x54321, 0, 0, 0, 0, 0}));
}

TEST(LearnedProfile, AnUnconditionalLearnedRuleNeedsNoCopyOfTheBasesRules) {
  LearnedCalls l;
  l.add("personality", {0x12345, 0, 0, 0, 0, 0});
  l.add("personality", {0x54321, 0, 0, 0, 0, 0});
  const auto c = round_trip(l);
  ASSERT_TRUE(c.ok());
  const auto rules = rules_for(filter_of(c), "personality");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_TRUE(rules[0].conditions.empty());
}

TEST(LearnedProfile, TheHeaderSaysWhatItIsAndSurvivesAnyCommand) {
  LearnedCalls l;
  l.add("mount", {0, 0, 0, 0, 0, 0});
  auto i = info();
  i.command = {"/bin/sh", "-c", "echo \"a\nb\" \\ \x01 'q' é"};
  i.invocation = {"ringfence", "learn", "--", "line\nbreak"};
  const std::string text = policy::learned_profile_toml(l, filter_of(base_default()), i);
  EXPECT_THAT(text, HasSubstr("Learned by `ringfence learn`"));
  EXPECT_THAT(text, HasSubstr("SECCOMP_USER_NOTIF_FLAG_CONTINUE"));
  EXPECT_THAT(text, HasSubstr("not a security boundary"));
  EXPECT_THAT(text, HasSubstr("extends = \"default\""));
  EXPECT_THAT(text, HasSubstr("name = \"learned-test\""));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\nbreak"))) << "a line break in the command stays in its comment";
  auto c = compile_text(text, "learned.toml");
  EXPECT_TRUE(c.ok()) << c.diags.format() << "\n" << text;
}

TEST(LearnedProfile, WhatTheBaseAlreadyAllowsIsNotWrittenAgain) {
  // socket is allowed by `default` whatever its arguments: a learned rule
  // for it would only narrow the base.
  LearnedCalls l;
  l.add("socket", {1, 1, 0, 0, 0, 0});
  const std::string text = policy::learned_profile_toml(l, filter_of(base_default()), info());
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\"socket\"")));
}

TEST(LearnedProfile, NothingLearnedIsTheBase) {
  const auto c = round_trip(LearnedCalls{});
  ASSERT_TRUE(c.ok());
  const auto base = base_default();
  EXPECT_EQ(filter_of(c).rules.size(), filter_of(base).rules.size());
}

TEST(LearnMode, ThePlanSaysItAndTheSupervisorIsStarted) {
  enter_source_dir();
  policy::CompileOptions options;
  options.learn = true;
  const auto c = policy::compile({"default"}, {}, options);
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const auto& f = filter_of(c);
  EXPECT_TRUE(f.learn);
  ASSERT_TRUE(c.plan->has(policy::StepKind::Supervise));
  EXPECT_TRUE((*c.plan->params<policy::StepKind::Supervise>()).seccomp_notify);
  EXPECT_THAT(policy::plan_to_json(*c.plan).dump(), HasSubstr("\"learn\":true"));
  EXPECT_THAT(policy::plan_to_json(base_default().plan.value()).dump(), ::testing::Not(HasSubstr("\"learn\"")));
  EXPECT_TRUE(policy::seccomp_notifies(f, "mount"));
  EXPECT_FALSE(policy::seccomp_notifies(f, "sendmsg"));
  EXPECT_FALSE(policy::seccomp_notifies(f, "read"));
  EXPECT_EQ(policy::seccomp_loaded_default(f).kind, SeccompActionKind::Notify);
  // clone3's ENOSYS rule is a request to fall back, not a refusal.
  bool enosys = false;
  for (const auto& r : rules_for(f, "clone3")) {
    if (r.action.kind != SeccompActionKind::Errno || r.action.errno_value != ENOSYS) continue;
    enosys = true;
    EXPECT_EQ(policy::seccomp_loaded_action(f, r.action, "clone3").kind, SeccompActionKind::Errno);
  }
  EXPECT_TRUE(enosys) << "the default base answers ENOSYS for clone3";
}

}  // namespace
}  // namespace ringfence::test
