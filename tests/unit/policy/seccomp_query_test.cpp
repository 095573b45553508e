// seccomp_allowed_names answers, for every syscall at once, what
// seccomp_allows answers one name at a time.
#include <set>

#include <gmock/gmock.h>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/seccomp_query.h"

namespace ringfence::policy {
namespace {

TEST(SeccompAllowedNames, AgreesWithSeccompAllowsOnEveryShippedFilter) {
  for (const char* name : {"default", "application", "low-level-service", "strict"}) {
    SCOPED_TRACE(name);
    auto c = compile({name});
    ASSERT_TRUE(c.ok());
    const auto& filter = (*c.plan->params<policy::StepKind::SeccompCompile>());
    const auto allowed = seccomp_allowed_names(filter);
    std::set<std::string> named;
    for (const auto& r : filter.rules) named.insert(r.syscalls.begin(), r.syscalls.end());
    for (const auto& s : named) EXPECT_EQ(allowed.count(s) > 0, seccomp_allows(filter, s)) << s;
    EXPECT_TRUE(allowed.count("read"));
    EXPECT_FALSE(allowed.count("personality")) << "allowed for some arguments only";
    EXPECT_FALSE(allowed.count("clone3")) << "answers ENOSYS";
  }
}

TEST(SeccompAllowedNames, TheFirstUnconditionalRuleDecidesAndConditionsDependOnTheDefault) {
  SeccompFilter f;
  f.default_action = {SeccompActionKind::Errno, 1};
  f.rules.push_back({{"a"}, {SeccompActionKind::Errno, 1}, {}, {}, ""});
  f.rules.push_back({{"a", "b"}, {SeccompActionKind::Allow, 0}, {}, {}, ""});
  f.rules.push_back({{"c"}, {SeccompActionKind::Allow, 0}, {{0, SeccompOp::Eq, 1, 0}}, {}, ""});
  f.rules.push_back({{"d"}, {SeccompActionKind::Log, 0}, {}, {}, ""});
  EXPECT_EQ(seccomp_allowed_names(f), (std::unordered_set<std::string>{"b", "d"}));
  f.default_action = {SeccompActionKind::Allow, 0};
  EXPECT_EQ(seccomp_allowed_names(f), (std::unordered_set<std::string>{"b", "c", "d"}));
}

}  // namespace
}  // namespace ringfence::policy

namespace ringfence::policy {
namespace {

TEST(SeccompRuleIndex, DecidesLikeSeccompMatch) {
  auto c = compile({"default"});
  ASSERT_TRUE(c.ok());
  const auto& filter = (*c.plan->params<policy::StepKind::SeccompCompile>());
  const SeccompRuleIndex index(filter);
  const std::array<std::array<std::uint64_t, 6>, 4> samples = {{{0, 0, 0, 0, 0, 0},
                                                                 {8, 1, 2, 3, 4, 5},
                                                                 {0x7e020000, 0, 0, 0, 0, 0},
                                                                 {~0ull, ~0ull, 0, 0, 0, 0}}};
  std::set<std::string> named;
  for (const auto& r : filter.rules) named.insert(r.syscalls.begin(), r.syscalls.end());
  for (const auto& name : named) {
    const int nr = seccomp_syscall_number(name);
    if (nr < 0) continue;
    for (const auto& args : samples)
      EXPECT_EQ(index.match(name, args), seccomp_match(filter, seccomp_native_arch(), nr, args)) << name;
  }
  EXPECT_EQ(index.match("no_such_call", samples[0]), nullptr);
}

}  // namespace
}  // namespace ringfence::policy
