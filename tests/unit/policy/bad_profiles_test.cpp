// Every file tests/data/bad/NAME.toml is a profile with a mistake; next to it
// NAME.expected holds exactly what `ringfence validate` must print about it.
// None may crash, and none may compile.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

namespace ringfence::test {
namespace {

std::vector<std::string> bad_profiles() {
  enter_source_dir();
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator("tests/data/bad"))
    if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class BadProfile : public ::testing::TestWithParam<std::string> {};

TEST_P(BadProfile, ReportsTheExactMessageAndLocation) {
  enter_source_dir();
  const std::string base = "tests/data/bad/" + GetParam();
  const std::string expected = read_file(base + ".expected");
  ASSERT_FALSE(expected.empty()) << base << ".expected is missing or empty";
  auto compiled = policy::compile({base + ".toml"});
  EXPECT_FALSE(compiled.ok());
  EXPECT_TRUE(compiled.diags.has_errors());
  EXPECT_EQ(compiled.diags.format(), expected);
}

INSTANTIATE_TEST_SUITE_P(All, BadProfile, ::testing::ValuesIn(bad_profiles()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(BadProfiles, ThereAreAtLeastThirty) { EXPECT_GE(bad_profiles().size(), 30u); }

}  // namespace
}  // namespace ringfence::test
