// The shipped profiles compile, match their golden plans, and default.toml
// is exactly what a profile that says nothing gets.
#include <gtest/gtest.h>

#include <sstream>

#include "golden.h"
#include "ringfence/policy/plan_json.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

class Shipped : public ::testing::TestWithParam<std::string> {};

// The golden files are rewritten by a separate command after a reviewed
// change (docs/contributing.md): this test only compares.
TEST_P(Shipped, MatchesItsGoldenPlan) {
  enter_source_dir();
  auto c = policy::compile({GetParam()});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  EXPECT_TRUE(c.diags.empty()) << "shipped profiles compile without warnings:\n" << c.diags.format();
  const std::string expected = read_file(golden_path(GetParam()));
  ASSERT_FALSE(expected.empty()) << golden_path(GetParam()) << " is missing";
  EXPECT_EQ(golden_plan_text(c), expected)
      << "plan of " << GetParam() << " changed; if intended, run "
      << "`cmake --build BUILD --target update-golden` and review the diff";
}

INSTANTIATE_TEST_SUITE_P(Profiles, Shipped,
                         ::testing::Values("default", "application", "system-service", "low-level-service", "strict",
                                           "privileged"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

// Every profile of tests/data and the variants of golden.h compile to what
// tests/data/golden/corpus.txt recorded: the same plans, byte for byte, and
// the same messages.
TEST(GoldenCorpus, CompilesAsRecorded) {
  enter_source_dir();
  const std::string expected = read_file(golden_corpus_path());
  ASSERT_FALSE(expected.empty()) << golden_corpus_path() << " is missing";
  const std::string actual = golden_corpus_text();
  if (actual == expected) return;
  std::istringstream a(actual), e(expected);
  std::string al, el;
  while (std::getline(a, al) && std::getline(e, el))
    EXPECT_EQ(al, el) << "the compiler's output changed; if intended, run "
                      << "`cmake --build BUILD --target update-golden` and review the diff";
  EXPECT_EQ(actual.size(), expected.size());
}

// plan_sha256 writes the JSON itself, step by step, rendering a filter
// that two steps share once: its text must stay that of the tree,
// plan_to_json without origins, which docs/contributing.md defines it as.
TEST(PlanJson, TheHashIsOfTheJsonWithoutOrigins) {
  enter_source_dir();
  int compiled = 0;
  auto same = [&](const std::string& name, const policy::Compiled& c) {
    if (!c.plan) return;
    ++compiled;
    EXPECT_EQ(policy::plan_sha256(*c.plan), sha256_hex(policy::plan_to_json(*c.plan, false).dump())) << name;
  };
  for (const auto& name : policy::shipped_profile_names()) same(name, policy::compile({name}));
  for_each_corpus_case(same);
  EXPECT_GT(compiled, 200);

  // Two filters that differ (no compile makes such a plan today): each is
  // rendered, the second not taken for the first.
  auto c = policy::compile({"default"});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  policy::Plan plan = *c.plan;
  const auto* filter = plan.params<policy::StepKind::SeccompCompile>();
  ASSERT_NE(filter, nullptr);
  policy::SeccompFilter other = *filter;
  other.rules.pop_back();
  plan.steps.push_back(policy::Step::make<policy::StepKind::SeccompLoad>(policy::Phase::ChildBeforeExec, other, ""));
  EXPECT_EQ(policy::plan_sha256(plan), sha256_hex(policy::plan_to_json(plan, false).dump()));
  EXPECT_NE(policy::plan_sha256(plan), policy::plan_sha256(*c.plan));
}

TEST(ShippedProfiles, AnEmptyProfileIsTheDefaultProfile) {
  auto empty = compile_text("[profile]\nname = \"default\"\n");
  ASSERT_TRUE(empty.ok()) << empty.diags.format();
  auto shipped = policy::compile({"default"});
  ASSERT_TRUE(shipped.ok());
  EXPECT_EQ(policy::plan_to_json(*empty.plan, false), policy::plan_to_json(*shipped.plan, false));
  EXPECT_EQ(policy::plan_sha256(*empty.plan), policy::plan_sha256(*shipped.plan));
}

TEST(ShippedProfiles, NamesListsEveryOne) {
  EXPECT_EQ(policy::shipped_profile_names(),
            (std::vector<std::string>{"default", "application", "system-service", "low-level-service", "strict",
                                      "privileged"}));
}

}  // namespace
}  // namespace ringfence::test
