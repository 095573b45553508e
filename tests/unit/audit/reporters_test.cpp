// The reporters shared by lint and the compliance check: each format says
// the same thing — which control, what outcome, where, observed and
// expected — and SARIF documents validate against the 2.1.0 schema.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/controls.h"
#include "ringfence/audit/reporters.h"

namespace ringfence::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Finding finding(const char* control, Outcome outcome, const char* message) {
  Finding f;
  f.control = control;
  f.outcome = outcome;
  f.message = message;
  return f;
}

Report lint_report() {
  Report r;
  r.kind = Report::Kind::Lint;
  r.subject = r.profile = "profiles/web & co.toml";
  Finding cap = finding("RF-CAP-001", Outcome::Fail, "capability SYS_ADMIN is added");
  cap.where = {"profiles/web & co.toml", 12, 7};
  Finding host = finding("RF-FS-002", Outcome::Fail, "volume /var/run/docker.sock is mounted");
  host.where = {"/etc/ringfence/base.toml", 30, 1};
  Finding flag = finding("RF-NS-003", Outcome::Fail, "network is host");
  flag.where = {"--network host", 0, 0};
  Finding ignored = finding("RF-RES-001", Outcome::Suppressed, "no memory limit");
  ignored.suppression_reason = "limited by the orchestrator";
  r.findings = {cap, host, flag, ignored, finding("RF-SEC-001", Outcome::Pass, "a seccomp filter is loaded")};
  return r;
}

Report compliance_report() {
  Report r;
  r.kind = Report::Kind::Compliance;
  r.subject = "pid:4242";
  r.profile = "profiles/default.toml";
  Finding caps = finding("RF-CAP-001", Outcome::Fail, "thread 4243 holds SYS_ADMIN");
  caps.observed = "CapBnd=000001ffffffffff (tid 4243)";
  caps.expected = "00000000a80425fb";
  Finding landlock = finding("RF-LL-002", Outcome::Unknown, "Landlock has no view in /proc");
  r.findings = {caps, landlock, finding("RF-PRIV-002", Outcome::Pass, "NoNewPrivs is 1 on every thread")};
  return r;
}

std::string render(const Report& r, ReportFormat format) { return render_report({r}, format); }

TEST(ReportFormat, Names) {
  ReportFormat f{};
  for (const char* name : {"text", "json", "sarif", "junit"}) EXPECT_TRUE(parse_report_format(name, &f)) << name;
  EXPECT_TRUE(parse_report_format("junit", &f));
  EXPECT_EQ(f, ReportFormat::Junit);
  EXPECT_FALSE(parse_report_format("xml", &f));
}

TEST(Tally, CountsEachOutcome) {
  const Tally t = tally(lint_report());
  EXPECT_EQ(t.fail, 3u);
  EXPECT_EQ(t.suppressed, 1u);
  EXPECT_EQ(t.pass, 1u);
  EXPECT_EQ(t.unknown, 0u);
  EXPECT_EQ(t.total(), 5u);
}

TEST(TextReport, LintPrintsLikeACompilerAndLeavesPassesOut) {
  const std::string out = render(lint_report(), ReportFormat::Text);
  EXPECT_THAT(out, HasSubstr("profiles/web & co.toml:12:7: critical RF-CAP-001: capability SYS_ADMIN is added\n"
                             "    fix: Remove `ALL` and `SYS_ADMIN`"));
  EXPECT_THAT(out, HasSubstr("/etc/ringfence/base.toml:30:1: critical RF-FS-002"));
  EXPECT_THAT(out, HasSubstr("--network host: high RF-NS-003"));
  EXPECT_THAT(out, HasSubstr("suppressed RF-RES-001: no memory limit (reason: limited by the orchestrator)"));
  EXPECT_THAT(out, Not(HasSubstr("RF-SEC-001")));
  EXPECT_THAT(out, HasSubstr("profiles/web & co.toml: 3 failed, 1 passed, 1 suppressed\n"));
}

TEST(TextReport, ComplianceListsEveryControlWithObservedAndExpected) {
  const std::string out = render(compliance_report(), ReportFormat::Text);
  EXPECT_THAT(out, HasSubstr("pid:4242 against profiles/default.toml\n"));
  EXPECT_THAT(out, HasSubstr("FAIL       RF-CAP-001"));
  EXPECT_THAT(out, HasSubstr("    observed: CapBnd=000001ffffffffff (tid 4243)\n    expected: 00000000a80425fb\n"));
  EXPECT_THAT(out, HasSubstr("UNKNOWN    RF-LL-002"));
  EXPECT_THAT(out, HasSubstr("PASS       RF-PRIV-002"));
  EXPECT_THAT(out, HasSubstr("pid:4242: 1 failed, 1 passed, 1 unknown\n"));
}

TEST(JsonReport, CarriesEveryFindingWithItsControl) {
  const auto doc = nlohmann::json::parse(render_report({lint_report(), compliance_report()}, ReportFormat::Json));
  EXPECT_EQ(doc["version"], 1);
  ASSERT_EQ(doc["reports"].size(), 2u);
  const auto& lint = doc["reports"][0];
  EXPECT_EQ(lint["kind"], "lint");
  EXPECT_EQ(lint["summary"]["fail"], 3);
  EXPECT_EQ(lint["findings"][0]["control"], "RF-CAP-001");
  EXPECT_EQ(lint["findings"][0]["severity"], "critical");
  EXPECT_EQ(lint["findings"][0]["location"]["line"], 12);
  EXPECT_EQ(lint["findings"][3]["outcome"], "suppressed");
  EXPECT_EQ(lint["findings"][3]["suppression_reason"], "limited by the orchestrator");
  const auto& check = doc["reports"][1];
  EXPECT_EQ(check["kind"], "compliance");
  EXPECT_EQ(check["findings"][0]["observed"], "CapBnd=000001ffffffffff (tid 4243)");
  EXPECT_EQ(check["findings"][1]["outcome"], "unknown");
}

// Runs tests/data/sarif/validate.py on a document; returns its output, and
// whether it passed.
bool sarif_valid(const std::string& doc, std::string& errors) {
  char path[] = "/tmp/ringfence-sarif-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return false;
  if (write(fd, doc.data(), doc.size()) != static_cast<ssize_t>(doc.size())) return false;
  close(fd);
  const std::string cmd =
      std::string("/usr/bin/python3 ") + RINGFENCE_SOURCE_DIR "/tests/data/sarif/validate.py " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  std::size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) errors.append(buf, n);
  const int status = p ? pclose(p) : -1;
  unlink(path);
  return status == 0;
}

TEST(SarifReport, ValidatesAgainstTheSchema) {
  std::string errors;
  EXPECT_TRUE(sarif_valid(render_report({lint_report(), compliance_report()}, ReportFormat::Sarif), errors))
      << errors;
  EXPECT_TRUE(sarif_valid(render_report({}, ReportFormat::Sarif), errors)) << errors;
}

TEST(SarifReport, TheValidatorRejectsABrokenDocument) {
  // Without this the test above could pass on a validator that accepts all.
  auto doc = nlohmann::json::parse(render(lint_report(), ReportFormat::Sarif));
  doc["runs"][0]["results"][0]["level"] = "fatal";
  doc["runs"][0]["results"][1]["kind"] = 7;
  std::string errors;
  EXPECT_FALSE(sarif_valid(doc.dump(), errors));
  EXPECT_THAT(errors, HasSubstr("fatal"));
}

TEST(SarifReport, ResultsLocationsAndSuppressions) {
  const auto doc = nlohmann::json::parse(render_report({lint_report(), compliance_report()}, ReportFormat::Sarif));
  EXPECT_EQ(doc["version"], "2.1.0");
  const auto& run = doc["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), controls().size());
  const auto& results = run["results"];
  ASSERT_EQ(results.size(), 8u);
  const auto& cap = results[0];
  EXPECT_EQ(cap["ruleId"], "RF-CAP-001");
  EXPECT_EQ(rules[cap["ruleIndex"].get<std::size_t>()]["id"], "RF-CAP-001");
  EXPECT_EQ(rules[cap["ruleIndex"].get<std::size_t>()]["properties"]["security-severity"], "9.5");
  EXPECT_EQ(cap["level"], "error");
  const auto& phys = cap["locations"][0]["physicalLocation"];
  EXPECT_EQ(phys["artifactLocation"]["uri"], "profiles/web%20%26%20co.toml");
  EXPECT_EQ(phys["region"]["startLine"], 12);
  EXPECT_EQ(phys["region"]["startColumn"], 7);
  // An absolute path becomes a file URI; a flag points at the profile.
  EXPECT_EQ(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "file:///etc/ringfence/base.toml");
  EXPECT_EQ(results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "profiles/web%20%26%20co.toml");
  EXPECT_EQ(results[3]["suppressions"][0]["justification"], "limited by the orchestrator");
  EXPECT_EQ(results[4]["kind"], "pass");
  EXPECT_EQ(results[4]["level"], "none");
  // Compliance results name the process and carry observed and expected.
  EXPECT_EQ(results[5]["locations"][0]["logicalLocations"][0]["name"], "pid:4242");
  EXPECT_EQ(results[5]["properties"]["expected"], "00000000a80425fb");
  EXPECT_EQ(results[6]["kind"], "open");
  EXPECT_EQ(results[6]["level"], "none");
}

TEST(JunitReport, ATestcasePerControlWithFailuresErrorsAndSkips) {
  const std::string out = render_report({lint_report(), compliance_report()}, ReportFormat::Junit);
  EXPECT_THAT(out, HasSubstr("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ringfence\" tests=\"8\" "
                             "failures=\"4\" errors=\"1\" skipped=\"1\">"));
  EXPECT_THAT(out, HasSubstr("<testsuite name=\"profiles/web &amp; co.toml\" tests=\"5\" failures=\"3\" errors=\"0\" "
                             "skipped=\"1\">"));
  EXPECT_THAT(out, HasSubstr("<testcase classname=\"ringfence.lint\" name=\"RF-CAP-001 SYS_ADMIN or ALL capabilities "
                             "added\">\n      <failure message=\"capability SYS_ADMIN is added\" type=\"critical\">"));
  EXPECT_THAT(out, HasSubstr("<testcase classname=\"ringfence.lint\" name=\"RF-SEC-001 No seccomp filter\"/>"));
  EXPECT_THAT(out, HasSubstr("<skipped message=\"suppressed: limited by the orchestrator\"/>"));
  EXPECT_THAT(out, HasSubstr("<error message=\"Landlock has no view in /proc\" type=\"unknown\">"));
  EXPECT_THAT(out, HasSubstr("observed: CapBnd=000001ffffffffff (tid 4243)"));
}

TEST(JunitReport, EscapesWhatXmlCannotCarry) {
  Report r = lint_report();
  r.findings = {finding("RF-CAP-001", Outcome::Fail, "a <b> & \"c\" \x01")};
  const std::string out = render(r, ReportFormat::Junit);
  EXPECT_THAT(out, HasSubstr("message=\"a &lt;b&gt; &amp; &quot;c&quot; \\x01\""));
  EXPECT_THAT(out, Not(HasSubstr("\x01")));
}

TEST(Reports, AnIdOutsideTheCatalogueStillRenders) {
  Report r = lint_report();
  r.findings = {finding("RF-XYZ-999", Outcome::Fail, "from a rule with a typo")};
  for (auto format : {ReportFormat::Text, ReportFormat::Json, ReportFormat::Sarif, ReportFormat::Junit})
    EXPECT_THAT(render(r, format), HasSubstr("RF-XYZ-999"));
  std::string errors;
  EXPECT_TRUE(sarif_valid(render(r, ReportFormat::Sarif), errors)) << errors;
}

}  // namespace
}  // namespace ringfence::audit

namespace ringfence::audit {
namespace {

// `audit scan`: each report says which container it judged, in every format.
TEST(ScanReport, EveryFormatNamesTheContainer) {
  Report r = compliance_report();
  r.subject = "container:docker/3f2a";
  r.container = ContainerRef{"3f2a", "docker", "runc", "web", "busybox:1.36", 4242,
                             "/run/docker/runtime-runc/moby/3f2a/state.json", {{"k", "v"}}};
  const std::string text = render(r, ReportFormat::Text);
  EXPECT_THAT(text, HasSubstr("container docker 3f2a (pid 4242, image busybox:1.36, name web, runtime runc) against "
                              "profiles/default.toml"));
  const auto json = nlohmann::json::parse(render(r, ReportFormat::Json));
  const auto& c = json["reports"][0]["container"];
  EXPECT_EQ(c["id"], "3f2a");
  EXPECT_EQ(c["engine"], "docker");
  EXPECT_EQ(c["pid"], 4242);
  EXPECT_EQ(c["image"], "busybox:1.36");
  EXPECT_EQ(c["source"], "/run/docker/runtime-runc/moby/3f2a/state.json");
  EXPECT_FALSE(c.contains("annotations")) << "labels can hold secrets; they choose profiles, they are not printed";
  const auto sarif = nlohmann::json::parse(render(r, ReportFormat::Sarif));
  EXPECT_EQ(sarif["runs"][0]["results"][0]["properties"]["container"]["id"], "3f2a");
  EXPECT_EQ(sarif["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["name"], "container:docker/3f2a");
  const std::string junit = render(r, ReportFormat::Junit);
  EXPECT_THAT(junit, HasSubstr("<testsuite name=\"container:docker/3f2a\""));
  EXPECT_THAT(junit, HasSubstr("<property name=\"container.image\" value=\"busybox:1.36\"/>"));
  // Properties come before the test cases, as the JUnit schema orders them.
  EXPECT_LT(junit.find("<properties>"), junit.find("<testcase"));
  // A report with no container prints none.
  EXPECT_THAT(render(compliance_report(), ReportFormat::Text), Not(HasSubstr("container ")));
}

}  // namespace
}  // namespace ringfence::audit
