// The seccomp filter read back from its JSON (seccomp_filter_from_json) is
// the filter that was written: a detached sandbox's small supervisor answers
// and records by it, so a rule that came back different would answer a
// notification with another errno or name another rule in the log.
#include <gtest/gtest.h>

#include <algorithm>

#include "ringfence/policy/plan_json.h"
#include "ringfence/policy/loader.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

void expect_round_trip(const policy::SeccompFilter& filter) {
  const auto json = policy::seccomp_filter_json(filter);
  auto back = policy::seccomp_filter_from_json(json);
  ASSERT_TRUE(back.ok()) << back.status().message;
  EXPECT_EQ(policy::seccomp_filter_json(*back), json);
  ASSERT_EQ(back->rules.size(), filter.rules.size());
  for (std::size_t i = 0; i < filter.rules.size(); ++i) {
    EXPECT_EQ(back->rules[i].from.text(), filter.rules[i].from.text());
    EXPECT_EQ(back->rules[i].conditions, filter.rules[i].conditions);
    EXPECT_EQ(back->rules[i].action, filter.rules[i].action);
  }
  EXPECT_EQ(back->default_action, filter.default_action);
  EXPECT_EQ(back->enosys_above, filter.enosys_above);
  EXPECT_EQ(back->audit, filter.audit);
  EXPECT_EQ(back->learn, filter.learn);
}

TEST(SeccompFilterRead, EveryShippedProfilesFilterComesBackTheSame) {
  enter_source_dir();
  for (const auto& name : policy::shipped_profile_names()) {
    SCOPED_TRACE(name);
    auto c = policy::compile({name});
    ASSERT_TRUE(c.ok()) << c.diags.format();
    if (const auto* filter = c.plan->params<policy::StepKind::SeccompCompile>()) expect_round_trip(*filter);
  }
}

TEST(SeccompFilterRead, NotifyMaskedConditionsCommentsAndFlagsComeBackTheSame) {
  enter_source_dir();
  auto c = compile_text(R"([profile]
name = "notify"
extends = "default"

[seccomp]
audit = false

[[seccomp.rules]]
comment = "why: TIOCSTI"
syscalls = ["ioctl"]
action = "notify"
errno = "EACCES"
args = [{ index = 1, op = "masked_eq", value = 0x12, mask = 0xff }]
)",
                        "dir:with:colons.toml");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const auto* filter = c.plan->params<policy::StepKind::SeccompCompile>();
  ASSERT_NE(filter, nullptr);
  const auto notify = std::find_if(filter->rules.begin(), filter->rules.end(),
                                   [](const auto& r) { return r.action.kind == policy::SeccompActionKind::Notify; });
  ASSERT_NE(notify, filter->rules.end());
  EXPECT_EQ(notify->from.file, "dir:with:colons.toml");
  expect_round_trip(*filter);
}

TEST(SeccompFilterRead, WhatDoesNotDescribeAFilterIsRefused) {
  using nlohmann::json;
  const json good = {{"default", {{"action", "errno"}, {"errno", "EPERM"}}},
                     {"arches", {"x86_64"}},
                     {"rules", json::array({{{"action", "allow"}, {"syscalls", {"read"}}}})}};
  ASSERT_TRUE(policy::seccomp_filter_from_json(good).ok());
  for (const auto& broken : {
           json::array(),
           json{{"default", good["default"]}, {"arches", good["arches"]}},                       // no rules
           json{{"default", {{"action", "maybe"}}}, {"arches", good["arches"]}, {"rules", good["rules"]}},
           json{{"default", {{"action", "errno"}, {"errno", "ENOTANERRNO"}}}, {"arches", good["arches"]},
                {"rules", good["rules"]}},
           json{{"default", good["default"]}, {"arches", good["arches"]},
                {"rules", json::array({{{"action", "allow"}, {"syscalls", "read"}}})}},
           json{{"default", good["default"]}, {"arches", good["arches"]},
                {"rules", json::array({{{"action", "allow"}, {"syscalls", {"read"}},
                                        {"args", json::array({{{"index", 7}, {"op", "eq"}, {"value", "0x1"}}})}}})}},
           json{{"default", good["default"]}, {"arches", good["arches"]},
                {"rules", json::array({{{"action", "allow"}, {"syscalls", {"read"}},
                                        {"args", json::array({{{"index", 0}, {"op", "eq"}, {"value", "0xzz"}}})}}})}},
           json{{"default", good["default"]}, {"arches", good["arches"]}, {"rules", good["rules"]}, {"audit", "yes"}},
       }) {
    SCOPED_TRACE(broken.dump());
    const auto read = policy::seccomp_filter_from_json(broken);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.status().message.find("the seccomp filter's description"), std::string::npos);
  }
}

}  // namespace
}  // namespace ringfence::test
