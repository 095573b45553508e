// audit show's filters: RFC 3339 times compared as instants, event
// patterns, rule prefixes at their boundaries, and all of them together on
// a log the audit writer wrote.
#include <unistd.h>

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_filter.h"

namespace ringfence::audit {
namespace {

Instant at(const char* text) {
  auto t = parse_rfc3339(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().message;
  return t.value_or(Instant{});
}

TEST(AuditFilter, TimesAreInstantsNotStrings) {
  EXPECT_EQ(at("2026-11-28T00:00:00Z").seconds, 1795824000);
  EXPECT_EQ(at("2026-11-28T00:15:18.572320087Z").nanos, 572320087);
  EXPECT_EQ(at("2026-11-28T00:15:18.5Z").nanos, 500000000);
  // Another offset, lower case separators: the same instant.
  EXPECT_EQ(at("2026-11-28T01:30:00+01:30"), at("2026-11-28T00:00:00Z"));
  EXPECT_EQ(at("2026-11-27t22:00:00-02:00"), at("2026-11-28t00:00:00z"));
  // As strings "…00Z" sorts after "…00.5Z"; as instants it is before.
  EXPECT_LT(at("2026-11-28T00:00:00Z"), at("2026-11-28T00:00:00.5Z"));
  EXPECT_LT(at("2026-11-28T00:00:00.999999999Z"), at("2026-11-28T00:00:01Z"));
  EXPECT_EQ(at("2024-02-29T00:00:00Z").seconds, 1709164800);  // a leap day
}

TEST(AuditFilter, ABadTimeIsRefusedWithWhatIsWrong) {
  for (const char* bad : {"", "yesterday", "2026-11-28", "2026-11-28T00:00:00", "2026-11-28 00:00:00Z",
                          "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-28T24:00:00Z",
                          "2026-11-28T00:00:00.Z", "2026-11-28T00:00:00+1:00", "2026-11-28T00:00:00Zjunk"}) {
    auto t = parse_rfc3339(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_NE(t.status().message.find("RFC 3339"), std::string::npos) << t.status().message;
    }
  }
}

bool event_matches(const char* pattern, const char* event) {
  auto p = EventPattern::parse(pattern);
  EXPECT_TRUE(p.ok()) << pattern << ": " << p.status().message;
  return p.ok() && p->matches(event);
}

TEST(AuditFilter, AnEventPatternIsANameOrAPrefix) {
  EXPECT_TRUE(event_matches("sandbox.start", "sandbox.start"));
  EXPECT_FALSE(event_matches("sandbox.start", "sandbox.stop"));
  EXPECT_FALSE(event_matches("sandbox.start", "sandbox.start.more"));
  EXPECT_FALSE(event_matches("sandbox", "sandbox.start"));  // a name, not a prefix
  EXPECT_TRUE(event_matches("seccomp.*", "seccomp.notify"));
  EXPECT_TRUE(event_matches("seccomp.*", "seccomp.denied.summary"));
  EXPECT_FALSE(event_matches("seccomp.*", "seccomp"));
  EXPECT_FALSE(event_matches("seccomp.*", "landlock.denied"));
  EXPECT_TRUE(event_matches("seccomp.", "seccomp.denied"));
  EXPECT_TRUE(event_matches("cgroup*", "cgroup.pids-limit"));
  EXPECT_TRUE(event_matches("*", "log.seal"));
  for (const char* bad : {"", "*.denied", "sec*mp", "seccomp.**", "a b", "seccomp/notify"}) {
    auto p = EventPattern::parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
  }
}

TEST(AuditFilter, ARuleMatchesWholeOrFromItsStartAtABoundary) {
  const char* rule = "profiles/default.toml:42:5";
  EXPECT_TRUE(rule_matches(rule, "profiles/default.toml:42:5"));
  EXPECT_TRUE(rule_matches(rule, "profiles/default.toml:42"));
  EXPECT_TRUE(rule_matches(rule, "profiles/default.toml"));
  EXPECT_TRUE(rule_matches(rule, "profiles/default.toml:"));
  EXPECT_TRUE(rule_matches(rule, "profiles/"));
  EXPECT_FALSE(rule_matches(rule, "profiles/default.toml:4"));  // line 4 is not line 42
  EXPECT_FALSE(rule_matches(rule, "profiles/default.to"));
  EXPECT_FALSE(rule_matches(rule, "default.toml"));
  EXPECT_FALSE(rule_matches(rule, ""));
  EXPECT_TRUE(rule_matches("default", "default"));
  EXPECT_FALSE(rule_matches("default", "profiles/default.toml"));
}

TEST(AuditFilter, BadFlagsAreNamedInTheMessage) {
  FilterFlags f;
  f.until = "noon";
  auto r = RecordFilter::parse(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message.rfind("--until: 'noon' is not an RFC 3339 time", 0), 0u) << r.status().message;
  f = {};
  f.since = "2026-11-28T00:00:00";
  r = RecordFilter::parse(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message.rfind("--since: ", 0), 0u) << r.status().message;
  f = {};
  f.events = {"seccomp.notify", "*.denied"};
  r = RecordFilter::parse(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message.rfind("--event: '*.denied'", 0), 0u) << r.status().message;
  f = {};
  f.since = "2026-11-28T00:00:01Z";
  f.until = "2026-11-28T00:00:00Z";
  r = RecordFilter::parse(f);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message.find("before --since"), std::string::npos) << r.status().message;
}

class AuditFilterLog : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-audit-filter-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/audit.jsonl";
    const std::vector<nlohmann::json> events = {
        {{"event", "sandbox.start"}, {"sandbox", "web"}},
        {{"event", "seccomp.notify"}, {"sandbox", "web"}, {"syscall", "mkdir"}, {"rule", "p/a.toml:6:1"}, {"answer", "EACCES"}},
        {{"event", "seccomp.notify"}, {"sandbox", "web"}, {"syscall", "ptrace"}, {"rule", "p/a.toml:62:1"}, {"answer", "EPERM"}},
        {{"event", "landlock.denied"}, {"sandbox", "db"}, {"access", "write_file"}, {"rule", "p/a.toml:6:1"}},
        {{"event", "seccomp.denied"}, {"sandbox", "web"}, {"syscall", "bpf"}, {"rule", "default"}, {"count", 3}},
        {{"event", "sandbox.stop"}, {"sandbox", "web"}, {"exit_status", 0}},
    };
    for (const auto& e : events) {
      ASSERT_TRUE(append_event(path_, e).ok());
      usleep(2000);  // distinct times, whatever the clock's resolution
    }
    ASSERT_TRUE(for_each_record(path_, [this](const nlohmann::json& r) { records_.push_back(r); }).ok());
    ASSERT_EQ(records_.size(), events.size());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The seqs of the records the filter keeps.
  std::vector<int> kept(const FilterFlags& flags) {
    auto filter = RecordFilter::parse(flags);
    EXPECT_TRUE(filter.ok()) << filter.status().message;
    std::vector<int> seqs;
    if (filter.ok())
      for (const auto& r : records_)
        if (filter->matches(r)) seqs.push_back(r["seq"].get<int>());
    return seqs;
  }
  std::string time_of(int seq) const { return records_[seq - 1]["time"].get<std::string>(); }

  std::string dir_, path_;
  std::vector<nlohmann::json> records_;
};

TEST_F(AuditFilterLog, NoFlagsKeepEverything) { EXPECT_EQ(kept({}), (std::vector<int>{1, 2, 3, 4, 5, 6})); }

TEST_F(AuditFilterLog, EventsAreAlternativesAndTheRestIsAnd) {
  FilterFlags f;
  f.events = {"seccomp.*", "landlock.denied"};
  EXPECT_EQ(kept(f), (std::vector<int>{2, 3, 4, 5}));
  f.sandbox = "web";
  EXPECT_EQ(kept(f), (std::vector<int>{2, 3, 5}));
  f.rule = "p/a.toml:6";
  EXPECT_EQ(kept(f), (std::vector<int>{2}));  // not :62, not db's
  f.sandbox.clear();
  EXPECT_EQ(kept(f), (std::vector<int>{2, 4}));
  f = {};
  f.rule = "default";
  EXPECT_EQ(kept(f), (std::vector<int>{5}));
}

TEST_F(AuditFilterLog, SinceAndUntilAreInclusiveInstants) {
  FilterFlags f;
  f.since = time_of(2);
  f.until = time_of(4);
  EXPECT_EQ(kept(f), (std::vector<int>{2, 3, 4}));
  // The writer's nanoseconds cut to whole seconds: a record in that second
  // is after it, though as a string "…SSZ" sorts after "…SS.nnnZ".
  const std::string second = time_of(1).substr(0, 19) + "Z";
  f = {};
  f.since = second;
  EXPECT_EQ(kept(f).front(), 1);
  f = {};
  f.until = second;
  EXPECT_TRUE(kept(f).empty());
}

}  // namespace
}  // namespace ringfence::audit
