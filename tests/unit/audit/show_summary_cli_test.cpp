// `ringfence audit show` with its filters and `ringfence audit summary`, as
// a reviewer runs them: exit codes, stdout and the messages, on a log the
// audit writer wrote.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "../run_shell.h"

namespace ringfence::audit {
namespace {

using ::testing::HasSubstr;

using Ran = ringfence::clitest::ShellResult;

// The binary with stderr folded into the output.
Ran run_ringfence(const std::string& args) {
  return ringfence::clitest::run_in_source_tree(std::string(RINGFENCE_BINARY) + " " + args + " 2>&1");
}

long lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

class AuditShowSummaryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-audit-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    log_ = dir_ + "/audit.jsonl";
    const std::vector<nlohmann::json> events = {
        {{"event", "sandbox.start"}, {"sandbox", "web"}},
        {{"event", "seccomp.notify"}, {"sandbox", "web"}, {"syscall", "mkdir"}, {"rule", "p/a.toml:6:1"}, {"answer", "EACCES"}},
        {{"event", "seccomp.notify"}, {"sandbox", "web"}, {"syscall", "ptrace"}, {"rule", "p/a.toml:62:1"}, {"answer", "EPERM"}},
        {{"event", "seccomp.denied"}, {"sandbox", "web"}, {"syscall", "bpf"}, {"rule", "default"}, {"count", 3}},
        {{"event", "landlock.denied"}, {"sandbox", "db"}, {"access", "write_file"}, {"rule", "p/a.toml:6:1"}},
        {{"event", "sandbox.stop"}, {"sandbox", "web"}, {"exit_status", 0}},
    };
    for (const auto& e : events) ASSERT_TRUE(append_event(log_, e).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_, log_;
};

TEST_F(AuditShowSummaryCli, ShowFiltersByEventRuleAndTime) {
  auto r = run_ringfence("audit show " + log_ + " --event 'seccomp.*' --rule p/a.toml:6 --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_EQ(lines(r.out), 1) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["syscall"], "mkdir");
  r = run_ringfence("audit show " + log_ + " --event sandbox.start --event landlock.denied");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(lines(r.out), 2) << r.out;
  r = run_ringfence("audit show " + log_ + " --until 2000-01-01T00:00:00Z");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  r = run_ringfence("audit show " + log_ + " --since 2000-01-01T00:00:00+02:00 --sandbox web");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(lines(r.out), 5) << r.out;
}

TEST_F(AuditShowSummaryCli, ABadTimeOrPatternIsAUsageError) {
  auto r = run_ringfence("audit show " + log_ + " --until yesterday");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--until: 'yesterday' is not an RFC 3339 time"));
  r = run_ringfence("audit show " + log_ + " --event '*.denied'");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--event: '*.denied' is not an event pattern"));
  r = run_ringfence("audit summary " + log_ + " --since 2026-11-28");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--since: '2026-11-28' is not an RFC 3339 time"));
}

TEST_F(AuditShowSummaryCli, SummaryPrintsJsonAndATable) {
  auto r = run_ringfence("audit summary " + log_ + " --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["sandboxes"].size(), 2u);
  EXPECT_EQ(j["sandboxes"][1]["sandbox"], "web");
  EXPECT_EQ(j["sandboxes"][1]["refused"], 5);
  EXPECT_EQ(j["sandboxes"][1]["refusals"][0]["what"], "bpf");
  r = run_ringfence("audit summary " + log_ + " --sandbox web");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("sandbox web"));
  EXPECT_THAT(r.out, HasSubstr("refused: 5 times"));
  EXPECT_THAT(r.out, HasSubstr("syscall ptrace"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("sandbox db")));
}

TEST_F(AuditShowSummaryCli, SummaryRefusesALogThatDoesNotVerifyAndShowStillReadsIt) {
  std::vector<std::string> ls;
  {
    std::ifstream in(log_);
    for (std::string l; std::getline(in, l);) ls.push_back(l);
  }
  ls.erase(ls.begin() + 2);  // a refusal taken out
  {
    std::ofstream out(log_, std::ios::trunc);
    for (const auto& l : ls) out << l << "\n";
  }
  auto r = run_ringfence("audit summary " + log_);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("does not verify"));
  EXPECT_THAT(r.out, HasSubstr("ringfence audit verify " + log_));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("sandbox web")));
  // show prints the files as they are, as it always did; verify judges them.
  r = run_ringfence("audit show " + log_);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(lines(r.out), 5) << r.out;
  r = run_ringfence("audit summary " + dir_ + "/missing.jsonl");
  EXPECT_EQ(r.status, 2) << r.out;
}

}  // namespace
}  // namespace ringfence::audit
