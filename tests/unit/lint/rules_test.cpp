// Every lint rule against its two profiles in tests/data/lint: RF-X.fail.toml
// must trigger it at the line marked "# <- RF-X" (or, with no marker, at the
// profile itself: a setting nobody wrote), and RF-X.pass.toml must not.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>

#include "ringfence/lint/lint.h"
#include "ringfence/policy/loader.h"

namespace ringfence::lint {
namespace {

const std::string kData = std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/lint/";

// Every action but user notification, so that RF-SEC-006 has something to
// find whatever kernel runs the test.
LintOptions every_rule() {
  LintOptions o;
  o.benchmark = "all";
  o.min_severity = audit::Severity::Info;
  o.actions_avail = {"kill_process", "kill_thread", "trap", "errno", "trace", "log", "allow"};
  return o;
}

audit::Report lint_file(const std::string& path, const LintOptions& options, policy::Diagnostics* out = nullptr) {
  auto compiled = policy::compile({path});
  EXPECT_TRUE(compiled.ok()) << compiled.diags.format();
  policy::Diagnostics diags;
  auto report = lint_profile(compiled, path, options, diags);
  EXPECT_FALSE(diags.has_errors()) << diags.format();
  if (out) *out = diags;
  return report;
}

std::uint32_t marker_line(const std::string& path, const std::string& id) {
  std::ifstream in(path);
  std::string line;
  for (std::uint32_t n = 1; std::getline(in, line); ++n)
    if (line.find("# <- " + id) != std::string::npos) return n;
  return 0;
}

class EachRule : public ::testing::TestWithParam<std::string> {};

TEST_P(EachRule, TheFailingProfileTriggersItWhereTheMarkerSays) {
  const std::string id = GetParam();
  const std::string path = kData + id + ".fail.toml";
  ASSERT_TRUE(std::filesystem::exists(path)) << "every rule needs a profile that triggers it";
  const auto report = lint_file(path, every_rule());
  const std::uint32_t line = marker_line(path, id);
  std::vector<const audit::Finding*> hits;
  for (const auto& f : report.findings)
    if (f.control == id && f.outcome == audit::Outcome::Fail) hits.push_back(&f);
  ASSERT_FALSE(hits.empty()) << id << " did not fire on " << path;
  bool located = false;
  for (const auto* f : hits) located = located || (f->where.file == path && f->where.line == line);
  EXPECT_TRUE(located) << "expected at " << path << ":" << line << ", got " << hits.front()->where.file << ":"
                       << hits.front()->where.line;
}

TEST_P(EachRule, TheOtherProfileDoesNot) {
  const std::string id = GetParam();
  const std::string path = kData + id + ".pass.toml";
  ASSERT_TRUE(std::filesystem::exists(path)) << "every rule needs a profile that does not trigger it";
  const auto report = lint_file(path, every_rule());
  bool evaluated = false;
  for (const auto& f : report.findings) {
    if (f.control != id) continue;
    evaluated = true;
    EXPECT_EQ(f.outcome, audit::Outcome::Pass) << f.message << " at " << f.where.file << ":" << f.where.line;
  }
  EXPECT_TRUE(evaluated) << id << " was not evaluated";
}

INSTANTIATE_TEST_SUITE_P(Lint, EachRule, ::testing::ValuesIn(rule_ids()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(Rules, AtLeast35AndEveryOneIsALintControlOfTheCatalogue) {
  const auto ids = rule_ids();
  EXPECT_GE(ids.size(), 35u);
  std::set<std::string> with_rule(ids.begin(), ids.end());
  EXPECT_EQ(with_rule.size(), ids.size()) << "a control has two rules";
  for (const auto& id : ids) {
    const auto* c = audit::find_control(id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_TRUE(c->lint) << id << " has a rule but the catalogue says it is not linted";
  }
  for (const auto& c : audit::controls())
    if (c.lint) {
      EXPECT_TRUE(with_rule.count(c.id)) << c.id << " is a lint control without a rule";
    }
}

// Docker 25 and containerd 2.0 refuse io_uring, and so does ringfence's
// default: a profile that allows it again is weaker than that, and the
// finding marks the calls as high risk.
TEST(Rules, AllowingIoUringAgainIsAHighRiskFinding) {
  policy::Diagnostics diags;
  auto layer = policy::read_layer(
      "[profile]\nname = \"ring\"\n\n[[seccomp.rules]]\n"
      "syscalls = [\"io_uring_setup\", \"io_uring_enter\", \"io_uring_register\"]\naction = \"allow\"\n",
      "ring.toml", 0, diags);
  ASSERT_TRUE(layer) << diags.format();
  std::vector<policy::Layer> extra;
  extra.push_back(std::move(*layer));
  const auto compiled = policy::compile({"default"}, std::move(extra));
  ASSERT_TRUE(compiled.ok()) << compiled.diags.format();
  const auto report = lint_profile(compiled, "ring.toml", every_rule(), diags);
  std::vector<std::string> messages;
  for (const auto& f : report.findings)
    if (f.control == "RF-SEC-004" && f.outcome == audit::Outcome::Fail) messages.push_back(f.message);
  EXPECT_THAT(messages, ::testing::ElementsAre("allows system calls Docker's default profile denies: io_uring_enter "
                                               "(high risk) io_uring_register (high risk) io_uring_setup (high risk)"));
}

TEST(Rules, NoDataFileForARuleThatDoesNotExist) {
  const auto ids = rule_ids();
  for (const auto& entry : std::filesystem::directory_iterator(kData)) {
    const std::string name = entry.path().filename().string();
    const std::string id = name.substr(0, name.find('.'));
    EXPECT_TRUE(std::find(ids.begin(), ids.end(), id) != ids.end()) << name;
  }
}

}  // namespace
}  // namespace ringfence::lint
