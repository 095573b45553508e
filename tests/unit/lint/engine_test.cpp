// The engine around the rules: benchmark and severity selection,
// suppressions, locations through `extends`, and the generated rule list.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>

#include "ringfence/lint/lint.h"

namespace ringfence::lint {
namespace {

using ::testing::HasSubstr;

class TempProfiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringfence-lint-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  audit::Report lint(const std::string& path, LintOptions options, policy::Diagnostics& diags) {
    auto compiled = policy::compile({path});
    EXPECT_TRUE(compiled.ok()) << compiled.diags.format();
    return lint_profile(compiled, path, options, diags);
  }
  std::string dir_;
};

const audit::Finding* find(const audit::Report& r, const std::string& id) {
  for (const auto& f : r.findings)
    if (f.control == id && f.outcome != audit::Outcome::Pass) return &f;
  return nullptr;
}

TEST_F(TempProfiles, AnInheritedSettingIsReportedInTheFileThatWroteIt) {
  const std::string parent = write("parent.toml", "[profile]\nname = \"parent\"\nextends = \"strict\"\n\n"
                                                  "[namespaces]\npid = \"host\"\n");
  const std::string child = write("child.toml", "[profile]\nname = \"child\"\nextends = \"" + parent + "\"\n");
  policy::Diagnostics diags;
  const auto report = lint(child, {}, diags);
  const auto* f = find(report, "RF-NS-001");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->where.file, parent);
  EXPECT_EQ(f->where.line, 6u);
  EXPECT_EQ(f->where.column, 7u);
  EXPECT_EQ(report.subject, child);
}

TEST_F(TempProfiles, ASuppressionKeepsTheFindingWithItsReason) {
  const std::string p = write("p.toml", "[profile]\nname = \"p\"\nextends = \"strict\"\n\n[network]\nmode = \"host\"\n\n"
                                        "[[lint.ignore]]\nrule = \"RF-NS-003\"\nreason = \"a DNS resolver\"\n");
  policy::Diagnostics diags;
  const auto report = lint(p, {}, diags);
  EXPECT_FALSE(diags.has_errors());
  const auto* f = find(report, "RF-NS-003");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->outcome, audit::Outcome::Suppressed);
  EXPECT_EQ(f->suppression_reason, "a DNS resolver");
  EXPECT_FALSE(has_failures(report));
  EXPECT_EQ(audit::tally(report).suppressed, 1u);
}

TEST_F(TempProfiles, AnUnknownRuleInASuppressionIsAnError) {
  const std::string p = write("p.toml", "[profile]\nname = \"p\"\nextends = \"strict\"\n\n"
                                        "[[lint.ignore]]\nrule = \"RF-NS-033\"\nreason = \"typo\"\n");
  policy::Diagnostics diags;
  lint(p, {}, diags);
  ASSERT_TRUE(diags.has_errors());
  EXPECT_THAT(diags.format(), HasSubstr(p + ":6:8: error: 'lint.ignore.rule': no rule 'RF-NS-033'"));
  EXPECT_THAT(diags.format(), HasSubstr("did you mean"));
}

TEST_F(TempProfiles, ASuppressionWithNothingToSuppressIsAWarning) {
  const std::string p = write("p.toml", "[profile]\nname = \"p\"\nextends = \"strict\"\n\n"
                                        "[[lint.ignore]]\nrule = \"RF-NS-003\"\nreason = \"no longer needed\"\n");
  policy::Diagnostics diags;
  lint(p, {}, diags);
  EXPECT_FALSE(diags.has_errors());
  EXPECT_THAT(diags.format(), HasSubstr("rule RF-NS-003 found nothing to suppress"));
}

TEST(Selection, BenchmarksAndMinimumSeverityChooseTheRules) {
  auto compiled = policy::compile({"default"});
  ASSERT_TRUE(compiled.ok());
  auto evaluated = [&](LintOptions o) {
    policy::Diagnostics diags;
    std::set<std::string> ids;
    for (const auto& f : lint_profile(compiled, "default", o, diags).findings) ids.insert(f.control);
    return ids;
  };
  LintOptions all;
  all.min_severity = audit::Severity::Info;
  const auto every = evaluated(all);
  EXPECT_EQ(every.size(), rule_ids().size());
  LintOptions baseline;
  baseline.benchmark = "pss-baseline";
  for (const auto& id : evaluated(baseline)) EXPECT_TRUE(audit::find_control(id)->in_benchmark("pss-baseline")) << id;
  EXPECT_TRUE(evaluated(baseline).count("RF-PRIV-001"));
  EXPECT_FALSE(evaluated(baseline).count("RF-RES-001"));
  LintOptions high;
  high.min_severity = audit::Severity::High;
  for (const auto& id : evaluated(high)) EXPECT_GE(audit::find_control(id)->severity, audit::Severity::High) << id;
  EXPECT_FALSE(evaluated(high).count("RF-CAP-004"));
}

TEST(RulesDoc, DocsLintRulesMdIsTheGeneratedOne) {
  std::ifstream in(std::string(RINGFENCE_SOURCE_DIR) + "/docs/lint-rules.md");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), rules_markdown())
      << "regenerate it: build/ringfence lint --list-rules --format markdown > docs/lint-rules.md";
  for (const auto& id : rule_ids()) EXPECT_THAT(text.str(), HasSubstr("\n## " + id + "\n"));
}

}  // namespace
}  // namespace ringfence::lint
