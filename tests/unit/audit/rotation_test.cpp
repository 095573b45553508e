// Rotation keeps one chain across files: writers that waited on the old
// file follow the name to the new one, and verify walks the files in order.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_rotation.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/audit/seal.h"
#include "ringfence/audit/verify.h"

namespace ringfence::audit {
namespace {

class Rotation : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-rotate-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/audit.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<nlohmann::json> records() const {
    std::vector<nlohmann::json> out;
    for (const auto& file : log_files(path_)) {
      std::ifstream in(file);
      for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l));
    }
    return out;
  }

  std::string dir_, path_;
};

TEST_F(Rotation, ABigFileIsRotatedAndTheChainRunsOn) {
  LogWriter w(path_);
  RotationPolicy small;
  small.max_bytes = 1500;
  w.set_rotation(small);
  for (int i = 0; i < 40; ++i) {
    w.add({{"event", "test.event"}, {"i", i}});
    ASSERT_TRUE(w.flush().ok());
  }
  const auto files = log_files(path_);
  ASSERT_GT(files.size(), 3u);
  for (std::size_t f = 0; f + 1 < files.size(); ++f)
    EXPECT_LE(std::filesystem::file_size(files[f]), 1500u + 400u) << files[f];
  // Each newer file starts with the record that says where the chain was.
  for (std::size_t f = 1; f < files.size(); ++f) {
    std::ifstream in(files[f]);
    std::string first;
    std::getline(in, first);
    const auto j = nlohmann::json::parse(first);
    EXPECT_EQ(j["event"], "log.rotated");
    EXPECT_EQ(j["reason"], "size");
    EXPECT_EQ(files[f - 1].substr(files[f - 1].rfind('/') + 1), j["previous"]);
  }
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.files, files);
  EXPECT_EQ(v.first_seq, 1u);
  EXPECT_EQ(v.records, 40u + (files.size() - 1));
  int seen = 0;
  for (const auto& r : records()) {
    if (r["event"] == "test.event") {
      EXPECT_EQ(r["i"], seen++);
    }
  }
  EXPECT_EQ(seen, 40);
}

TEST_F(Rotation, AnOldFileIsRotatedByAge) {
  ASSERT_TRUE(append_event(path_, {{"event", "old"}}).ok());
  // One record alone: its time can be moved back without breaking a chain.
  std::ifstream in(path_);
  std::string line;
  std::getline(in, line);
  auto j = nlohmann::json::parse(line);
  j["time"] = "2020-01-01T00:00:00.000000000Z";
  std::ofstream(path_, std::ios::trunc) << j.dump() << "\n";
  LogWriter w(path_);
  RotationPolicy week;
  week.max_age_seconds = 7 * 86400;
  w.set_rotation(week);
  w.add({{"event", "new"}});
  ASSERT_TRUE(w.flush().ok());
  EXPECT_TRUE(std::filesystem::exists(path_ + ".1"));
  const auto all = records();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1]["event"], "log.rotated");
  EXPECT_EQ(all[1]["reason"], "age");
  EXPECT_TRUE(verify_log(path_).intact);
}

// Four writers append while a fifth rotates as fast as it can: no record
// is lost, none lands in a file that was rotated away, and the chain holds.
TEST_F(Rotation, RotatingInTheMiddleOfABurstLosesNothing) {
  ASSERT_TRUE(create_sealing_key(path_, false).ok());
  const int writers = 4, each = 150;
  std::vector<pid_t> pids;
  for (int w = 0; w < writers; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      LogWriter log(path_);
      RotationPolicy small;
      small.max_bytes = 8192;
      log.set_rotation(small);
      for (int i = 0; i < each; ++i) {
        log.add({{"event", i % 50 == 49 ? "sandbox.stop" : "burst"}, {"writer", w}, {"i", i}});
        if (!log.flush().ok()) _exit(1);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  const pid_t rotator = fork();
  ASSERT_GE(rotator, 0);
  if (rotator == 0) {
    for (int i = 0; i < 60; ++i) {
      LogWriter log(path_);
      if (!log.rotate().ok()) _exit(1);
    }
    _exit(0);
  }
  pids.push_back(rotator);
  for (pid_t p : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(p, &status, 0), p);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_GT(v.files.size(), 5u);
  std::vector<int> next(writers, 0);
  for (const auto& r : records()) {
    if (r["event"] != "burst" && r["event"] != "sandbox.stop") continue;
    const int w = r["writer"];
    EXPECT_EQ(r["i"], next[w]++) << "writer " << w;
  }
  for (int w = 0; w < writers; ++w) EXPECT_EQ(next[w], each);
}

TEST_F(Rotation, AMissingMiddleFileIsFoundAndAMissingOldestOneIsSaid) {
  LogWriter w(path_);
  for (int f = 0; f < 3; ++f) {
    for (int i = 0; i < 3; ++i) w.add({{"event", "e"}, {"f", f}});
    ASSERT_TRUE(w.flush().ok());
    ASSERT_TRUE(w.rotate().ok());
  }
  auto files = log_files(path_);
  ASSERT_EQ(files.size(), 4u);
  ASSERT_TRUE(verify_log(path_).intact);
  const std::string middle = files[1];
  std::filesystem::rename(middle, dir_ + "/aside");
  auto v = verify_log(path_);
  EXPECT_FALSE(v.intact);
  EXPECT_NE(v.problem.find("missing"), std::string::npos) << v.problem;
  std::filesystem::rename(dir_ + "/aside", middle);
  // The oldest file gone (kept elsewhere by the collector): the rest is a
  // chain that starts later, and says where.
  std::filesystem::remove(files[0]);
  v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.first_seq, 4u);
}

TEST_F(Rotation, AWriterHoldingARotatedFileFollowsTheName) {
  LogWriter early(path_);
  early.add({{"event", "first"}});
  ASSERT_TRUE(early.flush().ok());  // holds the first file open
  LogWriter other(path_);
  ASSERT_TRUE(other.rotate().ok());
  early.add({{"event", "second"}});
  ASSERT_TRUE(early.flush().ok());
  std::ifstream in(path_);
  std::string l1, l2;
  std::getline(in, l1);
  std::getline(in, l2);
  EXPECT_EQ(nlohmann::json::parse(l1)["event"], "log.rotated");
  EXPECT_EQ(nlohmann::json::parse(l2)["event"], "second");
  EXPECT_TRUE(verify_log(path_).intact);
}

// A writer killed in the log's very first write leaves a first line that
// is not a record; the log still verifies, and still rotates.
TEST_F(Rotation, ALogWhoseFirstLineIsTornStillRotates) {
  std::ofstream(path_) << R"({"v":1,"seq":1,"ti)";
  ASSERT_TRUE(append_event(path_, {{"event", "after.crash"}}).ok());
  auto v = verify_log(path_);
  ASSERT_TRUE(v.intact) << v.problem;
  ASSERT_EQ(v.torn_lines.size(), 1u);
  LogWriter w(path_);
  ASSERT_TRUE(w.rotate().ok());
  EXPECT_TRUE(std::filesystem::exists(path_ + ".1"));
  v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 2u);
}

TEST(RecordTime, OnlyTheWritersSpellingIsATime) {
  EXPECT_EQ(record_time_seconds("1970-01-02T00:00:00.000000000Z"), 86400);
  EXPECT_EQ(record_time_seconds("yesterday"), -1);
}

}  // namespace
}  // namespace ringfence::audit
