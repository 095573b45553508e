// `ringfence lint` as a user and a CI job call it: exit codes 0/1/2, the
// benchmark and severity flags, and every output format (SARIF checked
// against the 2.1.0 schema).
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "../run_shell.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using ringfence::clitest::ShellResult;
using ringfence::clitest::run_in_source_tree;

ShellResult lint(const std::string& args) { return run_in_source_tree(std::string(RINGFENCE_BINARY) + " lint " + args + " 2>&1"); }

TEST(LintCli, ExitZeroWhenCleanOneOnFindingsTwoOnErrors) {
  EXPECT_EQ(lint("strict").status, 0);
  EXPECT_EQ(lint("--benchmark pss-restricted strict").status, 0);
  const auto findings = lint("profiles/low-level-service.toml");
  EXPECT_EQ(findings.status, 1);
  EXPECT_THAT(findings.out, HasSubstr("profiles/low-level-service.toml:17:8: high RF-NS-003: "));
  EXPECT_EQ(lint("tests/data/bad/cap-typo.toml").status, 2);
  EXPECT_EQ(lint("--benchmark nist strict").status, 2);
  EXPECT_EQ(lint("").status, 2);
}

TEST(LintCli, MinimumSeverityDecidesTheExitCode) {
  // application's findings are high: at critical it is clean.
  EXPECT_EQ(lint("application").status, 1);
  EXPECT_EQ(lint("--min-severity critical application").status, 0);
  const auto privileged = lint("--min-severity critical privileged");
  EXPECT_EQ(privileged.status, 1);
  EXPECT_THAT(privileged.out, HasSubstr("RF-PRIV-001"));
  EXPECT_THAT(privileged.out, Not(HasSubstr("RF-RES-001")));
}

TEST(LintCli, SeveralProfilesInOneReport) {
  const auto r = run_in_source_tree(std::string(RINGFENCE_BINARY) + " lint --format json strict privileged 2>/dev/null");
  EXPECT_EQ(r.status, 1);
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["reports"].size(), 2u);
  EXPECT_EQ(doc["reports"][0]["summary"]["fail"], 0);
  EXPECT_GT(doc["reports"][1]["summary"]["fail"], 10);
}

TEST(LintCli, SarifOutputValidatesAgainstTheSchema) {
  const std::string sarif = "/tmp/ringfence-lint-" + std::to_string(getpid()) + ".sarif";
  const auto r = run_in_source_tree(std::string(RINGFENCE_BINARY) + " lint --format sarif default privileged strict tests/data/lint/RF-NS-003.fail.toml > " +
                     sarif + " 2>/dev/null");
  EXPECT_EQ(r.status, 1);
  const auto check = run_in_source_tree("/usr/bin/python3 tests/data/sarif/validate.py " + sarif + " 2>&1");
  EXPECT_EQ(check.status, 0) << check.out;
  unlink(sarif.c_str());
}

TEST(LintCli, JunitHasATestcasePerRule) {
  const auto r = run_in_source_tree(std::string(RINGFENCE_BINARY) + " lint --format junit --benchmark pss-baseline strict 2>/dev/null");
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("<testsuite name=\"strict\""));
  EXPECT_THAT(r.out, HasSubstr("failures=\"0\""));
  EXPECT_THAT(r.out, HasSubstr("name=\"RF-PRIV-001 Privileged sandbox\"/>"));
}

TEST(LintCli, ListRulesPrintsTheCatalogueAndTheMarkdownIsTheDoc) {
  const auto list = lint("--list-rules");
  EXPECT_EQ(list.status, 0);
  EXPECT_THAT(list.out, HasSubstr("RF-SEC-001   critical No seccomp filter\n"));
  const auto md = run_in_source_tree(std::string(RINGFENCE_BINARY) + " lint --list-rules --format markdown | diff - docs/lint-rules.md");
  EXPECT_EQ(md.status, 0) << md.out;
}

}  // namespace
