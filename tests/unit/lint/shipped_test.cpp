// The shipped profiles lint to exactly the findings docs/profiles.md
// declares for them ("What `ringfence lint` says about them").
#include <fstream>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>

#include "ringfence/lint/lint.h"

namespace ringfence::lint {
namespace {

struct Declared {
  std::string all, baseline, restricted;
};

std::map<std::string, Declared> declared() {
  std::ifstream in(std::string(RINGFENCE_SOURCE_DIR) + "/docs/profiles.md");
  std::string line;
  bool inside = false;
  std::map<std::string, Declared> out;
  const std::regex row(R"(^\| `([a-z-]+)` \| ([^|]*) \| ([^|]*) \| ([^|]*) \|$)");
  while (std::getline(in, line)) {
    if (line == "<!-- shipped-lint: begin -->") inside = true;
    if (line == "<!-- shipped-lint: end -->") inside = false;
    std::smatch m;
    if (inside && std::regex_match(line, m, row)) out[m[1]] = {m[2], m[3], m[4]};
  }
  return out;
}

std::string failing(const std::string& profile, const std::string& benchmark) {
  LintOptions options;
  options.benchmark = benchmark;
  auto compiled = policy::compile({profile});
  EXPECT_TRUE(compiled.ok()) << compiled.diags.format();
  policy::Diagnostics diags;
  const auto report = lint_profile(compiled, profile, options, diags);
  std::set<std::string> ids;
  for (const auto& f : report.findings)
    if (f.outcome == audit::Outcome::Fail) ids.insert(f.control);
  if (ids.empty()) return "none";
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : " ") + id;
  return out;
}

TEST(ShippedProfiles, LintToWhatTheirDocumentationDeclares) {
  const auto table = declared();
  ASSERT_EQ(table.size(), 6u) << "docs/profiles.md lost its shipped-lint table";
  for (const auto& [name, want] : table) {
    SCOPED_TRACE(name);
    EXPECT_EQ(failing(name, "all"), want.all);
    EXPECT_EQ(failing(name, "pss-baseline"), want.baseline);
    EXPECT_EQ(failing(name, "pss-restricted"), want.restricted);
  }
}

TEST(ShippedProfiles, StrictPassesRestrictedAndPrivilegedFailsItLoudly) {
  EXPECT_EQ(failing("strict", "pss-restricted"), "none");
  const std::string privileged = failing("privileged", "pss-restricted");
  for (const char* id : {"RF-PRIV-001", "RF-CAP-001", "RF-SEC-001", "RF-PRIV-002", "RF-FS-007"})
    EXPECT_THAT(privileged, ::testing::HasSubstr(id));
}

}  // namespace
}  // namespace ringfence::lint
