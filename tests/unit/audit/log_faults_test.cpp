// A log writer under faults (docs/audit.md, "When the log cannot be
// written"): a log removed, replaced or cut under it is refused, never
// silently replaced by a fresh chain; a rotation is not a fault; a batch
// whose write or fsync fails leaves nothing of itself in the file.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ringfence/audit/log_writer.h"
#include "ringfence/audit/verify.h"
#include "ringfence/base/fault.h"

namespace ringfence::audit {
namespace {

using ::testing::HasSubstr;

class LogFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-log-faults-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/audit.jsonl";
  }
  void TearDown() override {
    unsetenv("RINGFENCE_FAIL_SYSCALL");
    std::filesystem::remove_all(dir_);
  }
  // Two records written by `w`: it has records in the log from now on.
  void two_records(LogWriter& w) {
    w.add({{"event", "sandbox.create"}, {"sandbox", "a"}});
    ASSERT_TRUE(w.flush().ok());
    w.add({{"event", "sandbox.start"}, {"sandbox", "a"}});
    ASSERT_TRUE(w.flush().ok());
  }
  std::string dir_, path_;
};

TEST_F(LogFaults, ARemovedLogIsRefusedNotStartedAgain) {
  LogWriter w(path_);
  two_records(w);
  ASSERT_EQ(unlink(path_.c_str()), 0);
  w.add({{"event", "seccomp.notify"}, {"sandbox", "a"}});
  const Status st = w.flush();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message, HasSubstr("was removed while this writer had records in it (up to record 2)"));
  EXPECT_FALSE(std::filesystem::exists(path_)) << "a fresh chain took the removed log's place";
  EXPECT_EQ(w.pending(), 1u) << "the record is kept";
  // A new writer (a new sandbox, knowing nothing of the old log) starts one.
  LogWriter fresh(path_);
  fresh.add({{"event", "sandbox.create"}, {"sandbox", "b"}});
  EXPECT_TRUE(fresh.flush().ok());
}

TEST_F(LogFaults, ALogReplacedByAnotherFileIsRefused) {
  LogWriter w(path_);
  two_records(w);
  {
    LogWriter other(dir_ + "/other.jsonl");
    for (int i = 0; i < 5; ++i) other.add({{"event", "sandbox.create"}, {"sandbox", "x"}});
    ASSERT_TRUE(other.flush().ok());
  }
  // A log with more records than this writer's, but not its chain.
  ASSERT_EQ(rename((dir_ + "/other.jsonl").c_str(), path_.c_str()), 0);
  w.add({{"event", "seccomp.notify"}, {"sandbox", "a"}});
  const Status st = w.flush();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message, HasSubstr("was replaced while this writer had records in it"));
  EXPECT_EQ(verify_log(path_).records, 5u) << "a record went into the replacement";
}

TEST_F(LogFaults, ALogCutOrRewrittenIsRefused) {
  LogWriter w(path_);
  two_records(w);
  ASSERT_EQ(truncate(path_.c_str(), 0), 0);
  w.add({{"event", "seccomp.notify"}, {"sandbox", "a"}});
  Status st = w.flush();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message, HasSubstr("was cut while this writer had records in it"));
  EXPECT_EQ(std::filesystem::file_size(path_), 0u);
}

TEST_F(LogFaults, ARotationIsTheLogGoingOn) {
  LogWriter w(path_), rotator(path_);
  two_records(w);
  ASSERT_TRUE(rotator.rotate().ok());
  w.add({{"event", "seccomp.notify"}, {"sandbox", "a"}});
  ASSERT_TRUE(w.flush().ok());
  // Another writer's records, then a second rotation: still the log.
  rotator.add({{"event", "sandbox.create"}, {"sandbox", "b"}});
  ASSERT_TRUE(rotator.flush().ok());
  ASSERT_TRUE(rotator.rotate().ok());
  w.add({{"event", "sandbox.stop"}, {"sandbox", "a"}});
  ASSERT_TRUE(w.flush().ok());
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 7u);
}

// Injected faults: only in a build with fault injection (the ASan build).
TEST_F(LogFaults, ABatchWhoseFsyncFailsLeavesNothingAndIsWrittenOnceLater) {
  if (!fault::enabled()) GTEST_SKIP() << "fault injection is off in this build (RINGFENCE_FAULT_INJECTION)";
  LogWriter w(path_);
  two_records(w);
  const auto size = std::filesystem::file_size(path_);
  for (const char* fault : {"audit-log.fsync:EIO", "audit-log.write:ENOSPC"}) {
    setenv("RINGFENCE_FAIL_SYSCALL", fault, 1);
    for (int i = 0; i < 3; ++i) w.add({{"event", "seccomp.notify"}, {"sandbox", "a"}, {"i", i}});
    const Status st = w.flush();
    ASSERT_FALSE(st.ok()) << fault;
    EXPECT_EQ(std::filesystem::file_size(path_), size) << fault << ": the failed batch was left in the file";
    unsetenv("RINGFENCE_FAIL_SYSCALL");
  }
  ASSERT_TRUE(w.flush().ok());
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_FALSE(v.torn_tail);
  EXPECT_EQ(v.records, 2u + 6u) << "each queued record is written once";
}

TEST_F(LogFaults, RecordByRecordKeepsWhatWasCommitted) {
  if (!fault::enabled()) GTEST_SKIP() << "fault injection is off in this build (RINGFENCE_FAULT_INJECTION)";
  LogWriter w(path_, FsyncPolicy::Record);
  two_records(w);
  // Uses are counted while the variable names the call: the 1st and 2nd
  // fsync commit two records, the 3rd fails.
  setenv("RINGFENCE_FAIL_SYSCALL", "audit-log.fsync:EIO@3", 1);
  for (int i = 0; i < 4; ++i) w.add({{"event", "seccomp.notify"}, {"sandbox", "a"}, {"i", i}});
  ASSERT_FALSE(w.flush().ok());
  unsetenv("RINGFENCE_FAIL_SYSCALL");
  EXPECT_EQ(w.pending(), 2u) << "the two committed records are no longer queued";
  EXPECT_EQ(verify_log(path_).records, 4u);
  ASSERT_TRUE(w.flush().ok());
  const auto v = verify_log(path_);
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.records, 6u);
}

}  // namespace
}  // namespace ringfence::audit
