// audit summary: violations grouped by sandbox, then by what was refused and
// the rule that refused it, counted (a record's `count` when it has one),
// with the runs' starts, stops, exits and cgroup limits; nothing at all
// from a log that does not verify.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_summary.h"

namespace ringfence::audit {
namespace {

TEST(AuditSummary, WhatIsAViolation) {
  using J = nlohmann::json;
  EXPECT_TRUE(is_violation(J{{"event", "seccomp.notify"}, {"answer", "EPERM"}}));
  EXPECT_TRUE(is_violation(J{{"event", "seccomp.notify"}, {"answer", "EACCES"}}));
  EXPECT_TRUE(is_violation(J{{"event", "seccomp.notify"}, {"answer", "530"}}));  // an errno glibc cannot name
  EXPECT_FALSE(is_violation(J{{"event", "seccomp.notify"}, {"answer", "continue (learn)"}}));
  EXPECT_FALSE(is_violation(J{{"event", "seccomp.notify"}, {"answer", "none (the caller is gone)"}}));
  EXPECT_FALSE(is_violation(J{{"event", "seccomp.notify"}}));
  EXPECT_TRUE(is_violation(J{{"event", "seccomp.denied"}}));
  EXPECT_TRUE(is_violation(J{{"event", "landlock.denied"}}));
  EXPECT_TRUE(is_violation(J{{"event", "seccomp.denied.summary"}}));
  EXPECT_FALSE(is_violation(J{{"event", "seccomp.deniedx"}}));
  EXPECT_FALSE(is_violation(J{{"event", ".denied"}}));
  EXPECT_FALSE(is_violation(J{{"event", "sandbox.stop"}}));
  EXPECT_FALSE(is_violation(J{{"event", "cgroup.oom"}}));
}

class AuditSummaryLog : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-audit-summary-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/audit.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void add(const nlohmann::json& e) { ASSERT_TRUE(append_event(path_, e).ok()); }
  nlohmann::json notify(const char* sandbox, const char* syscall, const char* rule, const char* answer) {
    return {{"event", "seccomp.notify"}, {"sandbox", sandbox}, {"pid", 7}, {"syscall", syscall},
            {"rule", rule},              {"answer", answer}};
  }
  // Two runs of web, one of db that failed, and the log's own records.
  void write_log() {
    add({{"event", "sandbox.create"}, {"sandbox", "web"}, {"profile", "app"}});
    add({{"event", "sandbox.start"}, {"sandbox", "web"}, {"pid", 10}});
    add(notify("web", "mkdir", "p/app.toml:6:1", "EACCES"));
    add(notify("web", "mkdir", "p/app.toml:6:1", "EACCES"));
    add(notify("web", "mkdir", "p/app.toml:6:1", "continue (learn)"));    // not refused
    add(notify("web", "mkdir", "p/app.toml:6:1", "none (the caller is gone)"));  // not answered
    add(notify("web", "mkdir", "default", "EPERM"));                       // another rule: another row
    add({{"event", "seccomp.denied.summary"}, {"sandbox", "web"}, {"syscall", "mkdir"}, {"rule", "p/app.toml:6:1"},
         {"count", 10}});
    add({{"event", "seccomp.denied"}, {"sandbox", "web"}, {"syscall", "bpf"}, {"rule", "default"}});
    add({{"event", "landlock.denied"}, {"sandbox", "web"}, {"access", "write_file"}, {"path", "/etc/passwd"},
         {"rule", "p/app.toml:20:1"}});
    add({{"event", "landlock.denied"}, {"sandbox", "web"}, {"access", "write_file"}, {"path", "/etc/shadow"},
         {"rule", "p/app.toml:20:1"}, {"count", 2}});
    add({{"event", "cgroup.oom"}, {"sandbox", "web"}, {"oom_kills", 2}, {"memory_limit", "1048576"}});
    add({{"event", "cgroup.pids-limit"}, {"sandbox", "web"}, {"refused_forks", 4}, {"pids_limit", "8"}});
    add({{"event", "sandbox.stop"}, {"sandbox", "web"}, {"exit_status", 137}});
    add({{"event", "log.seal"}, {"log_id", "x"}, {"epoch", 0}, {"seal", "00"}});  // no sandbox
    add({{"event", "sandbox.start"}, {"sandbox", "web"}, {"pid", 11}});
    add({{"event", "sandbox.stop"}, {"sandbox", "web"}, {"exit_status", 0}});
    add({{"event", "step.failed"}, {"sandbox", "db"}, {"step", "mount.rootfs"}, {"exit_status", 125}});
    add({{"event", "sandbox.start"}, {"sandbox", "db"}});
    add({{"event", "sandbox.stop"}, {"sandbox", "db"}, {"exit_status", nullptr}});
  }
  LogSummary summarise(const FilterFlags& flags = {}) {
    auto filter = RecordFilter::parse(flags);
    EXPECT_TRUE(filter.ok());
    auto s = summarise_log(path_, filter.value_or(RecordFilter{}));
    EXPECT_TRUE(s.ok()) << s.status().message;
    return s.value_or(LogSummary{});
  }

  std::string dir_, path_;
};

TEST_F(AuditSummaryLog, RefusalsAreGroupedBySandboxThenWhatAndRule) {
  write_log();
  const auto s = summarise();
  EXPECT_EQ(s.records, 20u);
  EXPECT_EQ(s.matched, 19u);  // the seal belongs to no sandbox
  ASSERT_EQ(s.sandboxes.size(), 2u);
  EXPECT_EQ(s.sandboxes[0].sandbox, "db");
  const auto& web = s.sandboxes[1];
  EXPECT_EQ(web.sandbox, "web");
  // 2 EACCES + 10 summarised, 1 EPERM, 1 bpf, 1 + 2 Landlock.
  EXPECT_EQ(web.refused, 17u);
  ASSERT_EQ(web.refusals.size(), 4u);
  const auto& mkdir = web.refusals[0];  // the most refused first
  EXPECT_EQ(mkdir.kind, "syscall");
  EXPECT_EQ(mkdir.what, "mkdir");
  EXPECT_EQ(mkdir.rule, "p/app.toml:6:1");
  EXPECT_EQ(mkdir.count, 12u);
  EXPECT_EQ(mkdir.events, (std::vector<std::string>{"seccomp.notify", "seccomp.denied.summary"}));
  EXPECT_EQ(mkdir.answers, (std::vector<std::string>{"EACCES"}));
  EXPECT_LT(mkdir.first, mkdir.last);
  const auto& landlock = web.refusals[1];
  EXPECT_EQ(landlock.kind, "access");
  EXPECT_EQ(landlock.what, "write_file");
  EXPECT_EQ(landlock.count, 3u);
  EXPECT_EQ(landlock.paths, (std::vector<std::string>{"/etc/passwd", "/etc/shadow"}));
  // The two rows of one count, in the order of their keys.
  EXPECT_EQ(web.refusals[2].what, "bpf");
  EXPECT_EQ(web.refusals[2].rule, "default");
  EXPECT_EQ(web.refusals[3].what, "mkdir");
  EXPECT_EQ(web.refusals[3].rule, "default");
  EXPECT_EQ(web.refusals[3].answers, (std::vector<std::string>{"EPERM"}));
}

TEST_F(AuditSummaryLog, RunsExitsAndLimitsAreCountedPerSandbox) {
  write_log();
  const auto s = summarise();
  ASSERT_EQ(s.sandboxes.size(), 2u);
  const auto& db = s.sandboxes[0];
  const auto& web = s.sandboxes[1];
  EXPECT_EQ(web.starts, 2u);
  EXPECT_EQ(web.stops, 2u);
  EXPECT_EQ(web.exit_statuses, (std::map<std::int64_t, std::uint64_t>{{0, 1}, {137, 1}}));
  EXPECT_EQ(web.unknown_exits, 0u);
  EXPECT_EQ(web.oom_kills, 2u);
  EXPECT_EQ(web.pids_limit_hits, 4u);
  EXPECT_EQ(web.failed_steps, 0u);
  EXPECT_EQ(db.starts, 1u);
  EXPECT_EQ(db.failed_steps, 1u);
  EXPECT_TRUE(db.exit_statuses.empty());
  EXPECT_EQ(db.unknown_exits, 1u);
  EXPECT_EQ(db.refused, 0u);
  EXPECT_TRUE(db.refusals.empty());
}

TEST_F(AuditSummaryLog, TheFilterChoosesSandboxAndTime) {
  write_log();
  FilterFlags f;
  f.sandbox = "db";
  auto s = summarise(f);
  ASSERT_EQ(s.sandboxes.size(), 1u);
  EXPECT_EQ(s.sandboxes[0].sandbox, "db");
  f = {};
  f.since = "2999-01-01T00:00:00Z";
  s = summarise(f);
  EXPECT_EQ(s.records, 20u);
  EXPECT_EQ(s.matched, 0u);
  EXPECT_TRUE(s.sandboxes.empty());
}

TEST_F(AuditSummaryLog, TheJsonHasItsDocumentedShape) {
  write_log();
  const auto j = summary_json(summarise());
  EXPECT_EQ(j["v"], 1);
  EXPECT_EQ(j["log"], path_);
  EXPECT_EQ(j["records"], 20);
  ASSERT_EQ(j["sandboxes"].size(), 2u);
  const auto& db = j["sandboxes"][0];
  EXPECT_EQ(db["exit_statuses"], nlohmann::json::parse(R"([{"status":null,"count":1}])"));
  EXPECT_EQ(db["refusals"], nlohmann::json::array());
  const auto& web = j["sandboxes"][1];
  for (const char* key : {"sandbox", "starts", "stops", "failed_steps", "exit_statuses", "oom_kills",
                          "pids_limit_hits", "refused", "refusals"})
    EXPECT_TRUE(web.contains(key)) << key;
  EXPECT_EQ(web["exit_statuses"], nlohmann::json::parse(R"([{"status":0,"count":1},{"status":137,"count":1}])"));
  const auto& row = web["refusals"][0];
  EXPECT_EQ(row["kind"], "syscall");
  EXPECT_EQ(row["what"], "mkdir");
  EXPECT_EQ(row["rule"], "p/app.toml:6:1");
  EXPECT_EQ(row["count"], 12);
  for (const char* key : {"first", "last", "events", "answers", "paths", "more_paths"})
    EXPECT_TRUE(row.contains(key)) << key;
  const std::string text = summary_text(summarise());
  EXPECT_NE(text.find("sandbox web"), std::string::npos) << text;
  EXPECT_NE(text.find("syscall mkdir"), std::string::npos) << text;
  EXPECT_NE(text.find("2 started, 2 stopped (exit 0: 1, exit 137: 1)"), std::string::npos) << text;
}

TEST_F(AuditSummaryLog, PastEightPathsOnlyTheRecordsAreCounted) {
  for (int i = 0; i < 11; ++i)
    add({{"event", "landlock.denied"}, {"sandbox", "s"}, {"access", "read_file"}, {"path", "/f" + std::to_string(i % 10)}});
  const auto s = summarise();
  ASSERT_EQ(s.sandboxes.size(), 1u);
  ASSERT_EQ(s.sandboxes[0].refusals.size(), 1u);
  const auto& row = s.sandboxes[0].refusals[0];
  EXPECT_EQ(row.count, 11u);
  EXPECT_EQ(row.paths.size(), kMaxPaths);
  EXPECT_EQ(row.more_paths, 2u);  // /f8, /f9; /f0 again is listed
  EXPECT_FALSE(row.rule.has_value());
}

TEST_F(AuditSummaryLog, ALogThatDoesNotVerifyIsNotSummarised) {
  write_log();
  // Someone lowers a count in record 8 without rebuilding the chain.
  std::vector<std::string> lines;
  {
    std::ifstream in(path_);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  auto r = nlohmann::json::parse(lines[7]);
  r["count"] = 1;
  lines[7] = r.dump();
  {
    std::ofstream out(path_, std::ios::trunc);
    for (const auto& l : lines) out << l << "\n";
  }
  bool broken = false;
  auto s = summarise_log(path_, RecordFilter{}, &broken);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(broken);
  EXPECT_NE(s.status().message.find("does not verify"), std::string::npos) << s.status().message;
  EXPECT_NE(s.status().message.find("ringfence audit verify"), std::string::npos) << s.status().message;
  // A log that is not there is another failure: not broken, unreadable.
  s = summarise_log(dir_ + "/missing.jsonl", RecordFilter{}, &broken);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(broken);
}

}  // namespace
}  // namespace ringfence::audit
