// The hash-chained audit log: what append writes, and what verify finds
// when a record is edited, removed, inserted, reordered or torn.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/verify.h"

namespace ringfence::audit {
namespace {

class AuditLog : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-audit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/logs/audit.jsonl";
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(append_event(path_, {{"event", "test.event"}, {"sandbox", "s"}, {"n", i}}).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> lines() {
    std::ifstream in(path_);
    std::vector<std::string> out;
    std::string l;
    while (std::getline(in, l)) out.push_back(l);
    return out;
  }
  void write(const std::vector<std::string>& ls, bool final_newline = true) {
    std::ofstream out(path_, std::ios::trunc);
    for (std::size_t i = 0; i < ls.size(); ++i) out << ls[i] << (i + 1 < ls.size() || final_newline ? "\n" : "");
  }

  std::string dir_, path_;
};

TEST_F(AuditLog, RecordsAreChainedAndVerify) {
  const auto ls = lines();
  ASSERT_EQ(ls.size(), 5u);
  std::string prev = kGenesis;
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const auto r = nlohmann::json::parse(ls[i]);
    EXPECT_EQ(r["v"], 1);
    EXPECT_EQ(r["seq"], i + 1);
    EXPECT_EQ(r["prev"], prev);
    EXPECT_EQ(r["n"], i);
    prev = record_hash(ls[i]);
  }
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact);
  EXPECT_EQ(v.records, 5u);
  EXPECT_EQ(v.last_hash, prev);
  EXPECT_FALSE(v.torn_tail);
}

TEST_F(AuditLog, TheLogIsCreatedReadableByItsOwnerOnly) {
  EXPECT_EQ(std::filesystem::status(path_).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(std::filesystem::status(dir_ + "/logs").permissions(), std::filesystem::perms::owner_all);
}

TEST_F(AuditLog, AnEditedFieldIsFound) {
  auto ls = lines();
  auto r = nlohmann::json::parse(ls[2]);
  r["n"] = 42;  // record 3, same keys, another value
  ls[2] = r.dump();
  write(ls);
  const auto v = verify_log(path_);
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.line, 3u);
  EXPECT_EQ(v.records, 2u);
  EXPECT_NE(v.problem.find("record 3 (line 3) was edited"), std::string::npos) << v.problem;
}

TEST_F(AuditLog, ADeletedLineIsFound) {
  auto ls = lines();
  ls.erase(ls.begin() + 1);
  write(ls);
  const auto v = verify_log(path_);
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.line, 2u);
  EXPECT_NE(v.problem.find("records 2 to 2 are missing"), std::string::npos) << v.problem;
}

TEST_F(AuditLog, SwappedLinesAreFound) {
  auto ls = lines();
  std::swap(ls[1], ls[2]);
  write(ls);
  const auto v = verify_log(path_);
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.line, 2u);
  EXPECT_NE(v.problem.find("missing"), std::string::npos) << v.problem;  // record 3 where 2 should be
}

TEST_F(AuditLog, AnInsertedRecordIsFound) {
  auto ls = lines();
  auto fake = nlohmann::json::parse(ls[1]);  // a copy of record 2, put after record 3
  ls.insert(ls.begin() + 3, fake.dump());
  write(ls);
  const auto v = verify_log(path_);
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.line, 4u);
  EXPECT_NE(v.problem.find("reordered or inserted"), std::string::npos) << v.problem;
}

TEST_F(AuditLog, ATornTailIsReportedAndTheRestStands) {
  auto ls = lines();
  ls.back() = ls.back().substr(0, ls.back().size() / 2);
  write(ls, false);
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << "a record cut by a crash is not tampering with the records before it";
  EXPECT_TRUE(v.torn_tail);
  EXPECT_EQ(v.records, 4u);
  EXPECT_EQ(v.line, 5u);
  // The next writer ends the torn line and chains to the last complete record.
  ASSERT_TRUE(append_event(path_, {{"event", "after.crash"}}).ok());
  const auto after = lines();
  ASSERT_EQ(after.size(), 6u);
  const auto r = nlohmann::json::parse(after.back());
  EXPECT_EQ(r["seq"], 5);
  EXPECT_EQ(r["prev"], record_hash(after[3]));
  // The whole log still verifies, the torn record named.
  const auto again = verify_log(path_);
  EXPECT_TRUE(again.intact) << again.problem;
  EXPECT_EQ(again.records, 5u);
  ASSERT_EQ(again.torn_lines.size(), 1u);
  EXPECT_EQ(again.torn_lines[0].second, 5u);
}

// A line that is not the start of the record due at its place is an
// insertion, not a torn write, even between two records that chain.
TEST_F(AuditLog, ALineThatOnlyLooksTornIsAnInsertion) {
  const auto original = lines();
  for (const std::string& fake : {std::string("garbage"), std::string(R"({"v":1,"seq":7,)"), std::string(R"({"v":1,"se)")}) {
    auto ls = original;
    ls.insert(ls.begin() + 2, fake);
    write(ls);
    const auto v = verify_log(path_);
    if (fake == R"({"v":1,"se)") {
      // A prefix of the record due (seq 3) followed by record 3 chained to
      // record 2: what a killed writer leaves.
      EXPECT_TRUE(v.intact) << v.problem;
      ASSERT_EQ(v.torn_lines.size(), 1u);
      EXPECT_EQ(v.torn_lines[0].second, 3u);
    } else {
      EXPECT_FALSE(v.intact) << fake;
      EXPECT_EQ(v.line, 3u) << fake;
    }
  }
}

// json::value() throws when a field has another type: `audit verify` ended
// with an uncaught type_error on such an edit instead of reporting it
// (found by tests/fuzz/audit_log.cpp). Each is an edit, found at its line.
TEST_F(AuditLog, FieldsOfAnotherTypeAreEditsNotACrash) {
  const auto original = lines();
  struct Edit {
    std::size_t line;  // 0-based
    const char* key;
    nlohmann::json value;
  };
  for (const Edit& e : {Edit{2, "v", "1"}, Edit{2, "event", 5}, Edit{0, "event", nlohmann::json::array()},
                        Edit{2, "event", "log.seal"}}) {
    auto ls = original;
    auto r = nlohmann::json::parse(ls[e.line]);
    r[e.key] = e.value;
    ls[e.line] = r.dump();
    write(ls);
    const auto v = verify_log(path_);
    EXPECT_FALSE(v.intact) << ls[e.line];
  }
  // A torn-looking line followed by a record whose seq or prev is not of
  // its type: an insertion, found at the torn line.
  for (const char* next : {R"({"v":1,"seq":"3","prev":"x"})", R"({"v":1,"seq":3,"prev":7})"}) {
    auto ls = original;
    ls[2] = R"({"v":1,"seq":3,)";
    ls[3] = next;
    write(ls);
    const auto v = verify_log(path_);
    EXPECT_FALSE(v.intact) << next;
    EXPECT_EQ(v.line, 3u) << next;
  }
}

TEST_F(AuditLog, AnEditedFirstRecordIsFound) {
  auto ls = lines();
  auto r = nlohmann::json::parse(ls[0]);
  r["prev"] = std::string(64, 'a');
  ls[0] = r.dump();
  write(ls);
  const auto v = verify_log(path_);
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.line, 1u);
}

TEST_F(AuditLog, WritersInSeveralProcessesKeepOneChain) {
  const int writers = 4, each = 50;
  std::vector<pid_t> pids;
  for (int w = 0; w < writers; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0; i < each; ++i)
        if (!append_event(path_, {{"event", "concurrent"}, {"writer", w}, {"i", i}}).ok()) _exit(1);
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t p : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(p, &status, 0), p);
    // A writer killed by a signal has no exit status: WEXITSTATUS of it is
    // whatever bits are there, often 0.
    ASSERT_TRUE(WIFEXITED(status)) << "writer " << p << " died with status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 5u + writers * each);
}

}  // namespace
}  // namespace ringfence::audit
