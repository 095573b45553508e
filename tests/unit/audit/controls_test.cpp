// The control catalogue is data that lint, the compliance check, SARIF and
// docs/lint-rules.md all read: these tests hold it to its own rules.
#include <regex>
#include <set>

#include <gmock/gmock.h>

#include "ringfence/audit/controls.h"

namespace ringfence::audit {
namespace {

TEST(Controls, TheCatalogueParsesWithUniqueWellFormedIds) {
  const auto& all = controls();
  ASSERT_EQ(all.size(), 63u) << "audit/controls.toml failed to parse, or a control was added without this count";
  const std::regex id("RF-(PRIV|CAP|NS|NET|FS|DEV|IPC|SEC|LSM|LL|RES|RLIM|IMG|SITE)-[0-9]{3}");
  std::set<std::string> seen;
  for (const auto& c : all) {
    EXPECT_TRUE(std::regex_match(c.id, id)) << c.id;
    EXPECT_TRUE(seen.insert(c.id).second) << "duplicate " << c.id;
  }
}

TEST(Controls, EveryControlSaysWhatWhyAndHow) {
  for (const auto& c : controls()) {
    SCOPED_TRACE(c.id);
    EXPECT_FALSE(c.title.empty());
    EXPECT_FALSE(c.rationale.empty());
    EXPECT_FALSE(c.remediation.empty());
    EXPECT_TRUE(c.lint || c.audit || c.site || c.image) << "applies to no job";
    // The compliance check must say what it reads off the process.
    if (c.audit) {
      EXPECT_FALSE(c.evidence.empty());
    }
    // And the linter what makes its rule fire (docs/lint-rules.md).
    EXPECT_EQ(c.lint || c.site || c.image, !c.trigger.empty());
  }
}

TEST(Controls, ReferencesNameAKnownBenchmark) {
  const std::regex ref(
      "cis-docker-1\\.6\\.0:[0-9]+\\.[0-9]+|pss:(baseline|restricted):[a-z-]+|nist-800-190:[0-9]+(\\.[0-9]+)*");
  for (const auto& c : controls())
    for (const auto& r : c.references) EXPECT_TRUE(std::regex_match(r, ref)) << c.id << ": " << r;
}

TEST(Controls, BenchmarkSelectionsFollowTheReferences) {
  const Control* privileged = find_control("RF-PRIV-001");
  ASSERT_NE(privileged, nullptr);
  EXPECT_TRUE(privileged->in_benchmark("cis-docker"));
  EXPECT_TRUE(privileged->in_benchmark("pss-baseline"));
  EXPECT_TRUE(privileged->in_benchmark("pss-restricted"));
  EXPECT_FALSE(privileged->in_benchmark("nonsense"));
  // Restricted-only controls are not in baseline; baseline ones are in restricted.
  std::size_t baseline = 0, restricted = 0, restricted_only = 0;
  for (const auto& c : controls()) {
    const bool b = c.in_benchmark("pss-baseline"), r = c.in_benchmark("pss-restricted");
    if (b) {
      EXPECT_TRUE(r) << c.id;
    }
    baseline += b;
    restricted += r;
    restricted_only += r && !b;
    EXPECT_TRUE(c.in_benchmark("all"));
  }
  EXPECT_GT(baseline, 5u);
  EXPECT_GT(restricted_only, 0u);
  EXPECT_EQ(restricted, baseline + restricted_only);
}

TEST(Controls, LookupByIdAndSeverityNames) {
  EXPECT_EQ(find_control("RF-NOPE-001"), nullptr);
  ASSERT_NE(find_control("RF-SEC-001"), nullptr);
  EXPECT_EQ(find_control("RF-SEC-001")->severity, Severity::Critical);
  Severity s{};
  EXPECT_TRUE(parse_severity("low", &s));
  EXPECT_EQ(s, Severity::Low);
  EXPECT_STREQ(severity_name(s), "low");
  EXPECT_FALSE(parse_severity("urgent", &s));
  EXPECT_STREQ(sarif_level(Severity::Critical), "error");
  EXPECT_STREQ(sarif_level(Severity::Medium), "warning");
  EXPECT_STREQ(sarif_level(Severity::Info), "note");
}

}  // namespace
}  // namespace ringfence::audit
