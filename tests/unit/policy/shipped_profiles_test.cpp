// The shipped profiles compile, match their golden plans, and default.toml
// is exactly what a profile that says nothing gets.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "ringfence/policy/plan_json.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

class Shipped : public ::testing::TestWithParam<std::string> {};

// Set RINGFENCE_UPDATE_GOLDEN=1 to rewrite the golden files after a reviewed
// change of the compiler or a profile.
TEST_P(Shipped, MatchesItsGoldenPlan) {
  enter_source_dir();
  auto c = policy::compile({GetParam()});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  EXPECT_TRUE(c.diags.empty()) << "shipped profiles compile without warnings:\n" << c.diags.format();
  const std::string actual = policy::plan_to_json(*c.plan).dump(2) + "\n";
  const std::string path = "tests/data/golden/" + GetParam() + ".plan.json";
  if (std::getenv("RINGFENCE_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
  }
  EXPECT_EQ(actual, read_file(path)) << "plan of " << GetParam() << " changed; if intended, rerun with "
                                     << "RINGFENCE_UPDATE_GOLDEN=1 and review the diff";
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
