// `run --timings` (runtime/start_timings.h): the child's steps survive the
// trip through the sync message, named from the plan; a report that does
// not fit says so; a malformed one is refused, not half-read; the table
// lists stretches in the order they began and totals to the last end.
#include "ringfence/runtime/start_timings.h"

#include <gmock/gmock.h>

#include "ringfence/policy/compiler.h"

namespace ringfence::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using Stretch = StartTimings::Stretch;

policy::Plan default_plan() {
  auto c = policy::compile({"default"});
  EXPECT_TRUE(c.ok());
  return std::move(*c.plan);
}

TEST(StartTimings, TheChildsStepsArriveNamedFromThePlan) {
  const policy::Plan plan = default_plan();
  ASSERT_GT(plan.steps.size(), 3u);
  const std::vector<std::pair<std::size_t, Stretch>> child = {{1, Stretch{{}, {}, 1500us, 250us}},
                                                               {3, Stretch{{}, {}, 2000us, 10us}}};
  const std::string text = StartTimings::encode_child(child, 511);
  StartTimings t;
  ASSERT_TRUE(t.add_child(text, plan)) << text;
  ASSERT_EQ(t.stretches().size(), 2u);
  EXPECT_EQ(t.stretches()[0].what, plan.steps[1].name());
  EXPECT_EQ(t.stretches()[0].where, "child");
  EXPECT_EQ(t.stretches()[0].at, 1500us);
  EXPECT_EQ(t.stretches()[0].took, 250us);
  EXPECT_EQ(t.stretches()[1].what, plan.steps[3].name());
  EXPECT_EQ(t.stretches()[1].took, 10us);
}

TEST(StartTimings, AReportThatDoesNotFitSaysSo) {
  const policy::Plan plan = default_plan();
  std::vector<std::pair<std::size_t, Stretch>> child;
  for (std::size_t i = 0; i < 100; ++i) child.emplace_back(i % plan.steps.size(), Stretch{{}, {}, 123456us, 7890us});
  const std::string text = StartTimings::encode_child(child, 511);
  EXPECT_LE(text.size(), 511u);
  StartTimings t;
  ASSERT_TRUE(t.add_child(text, plan));
  EXPECT_LT(t.stretches().size(), 100u);
  EXPECT_GT(t.stretches().size(), 10u);
  EXPECT_THAT(t.table(), HasSubstr("did not fit"));
}

TEST(StartTimings, AMalformedReportIsRefused) {
  const policy::Plan plan = default_plan();
  for (const std::string bad : {"1:2", "x:1:2;", "1:2:3", "-1:2:3;", "1:-2:3;", "99999:1:1;", "1:2:3;junk"}) {
    StartTimings t;
    EXPECT_FALSE(t.add_child(bad, plan)) << bad;
  }
  StartTimings empty;
  EXPECT_TRUE(empty.add_child("", plan));
  EXPECT_TRUE(empty.stretches().empty());
}

TEST(StartTimings, TheTableIsInOrderOfStartAndTotalsToTheLastEnd) {
  const auto origin = StartTimings::Clock::now();
  StartTimings t(origin);
  t.add("second", "parent", origin + 5ms, origin + 7ms);
  t.add("first", "cli", origin + 1ms, origin + 2ms);
  t.add("last", "sandbox", origin + 8ms, origin + 20ms);
  const std::string table = t.table();
  const auto first = table.find("\n  first "), second = table.find("\n  second "), last = table.find("\n  last ");
  ASSERT_NE(first, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_LT(second, last);
  EXPECT_THAT(table, HasSubstr("12.000"));  // last took 12 ms
  EXPECT_THAT(table, ::testing::ContainsRegex("total +20\\.000"));
  EXPECT_THAT(table, Not(HasSubstr("did not fit")));
}

}  // namespace
}  // namespace ringfence::runtime
