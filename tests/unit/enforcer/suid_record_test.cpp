// The harden record: its lines, and an undo that restores exactly what was
// stripped and refuses anything else.
#include "ringfence/enforcer/suid_record.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include <gmock/gmock.h>

#include "ringfence/base/fd.h"
#include "suid_test_tree.h"

namespace ringfence::enforcer {
namespace {

using ::testing::HasSubstr;
using testing::SuidTestTree;

class SuidUndo : public ::testing::Test {
 protected:
  void SetUp() override {
    t.file(t.at("/bin/su"), 04755);
    t.file(t.at("/bin/both"), 06711);
    t.file(t.outside() + "/target", 0755);
    HardenOptions o;
    o.strip = true;
    o.on_strip = [this](const SuidFile& f, mode_t to) {
      std::string error;
      auto c = parse_record_line(record_line(f, to), error);
      EXPECT_TRUE(c) << error;
      if (c) changes.push_back(*c);
      return Status::success();
    };
    HardenReport r;
    ASSERT_TRUE(harden_tree(t.root(), o, r));
    ASSERT_EQ(changes.size(), 2u);
    root.reset(open(t.root().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  const SuidChange& change(const std::string& path) {
    for (const auto& c : changes)
      if (c.path == path) return c;
    throw std::runtime_error("no change for " + path);
  }
  SuidTestTree t;
  std::vector<SuidChange> changes;
  Fd root;
};

TEST_F(SuidUndo, TheRecordLineHoldsEverythingTheUndoChecks) {
  struct stat st {};
  ASSERT_EQ(stat(t.at("/bin/both").c_str(), &st), 0);
  const auto& c = change("/bin/both");
  EXPECT_EQ(c.old_mode, 06711u);
  EXPECT_EQ(c.new_mode, 0711u);
  EXPECT_EQ(c.uid, st.st_uid);
  EXPECT_EQ(c.gid, st.st_gid);
  EXPECT_EQ(c.dev, st.st_dev);
  EXPECT_EQ(c.ino, st.st_ino);
  SuidFile f;
  f.path = "/bin/both";
  f.mode = 06711;
  f.dev = 2049;
  f.ino = 12;
  EXPECT_EQ(record_line(f, 0711),
            R"({"path":"/bin/both","old_mode":"06711","new_mode":"00711","uid":0,"gid":0,"dev":2049,"ino":12})" "\n");
  f.has_btime = true;
  f.btime_sec = 1700000000;
  f.btime_nsec = 5;
  EXPECT_THAT(record_line(f, 0711), HasSubstr(R"("ino":12,"btime":"1700000000.000000005"})"));
}

TEST_F(SuidUndo, UndoRestoresExactlyTheOldModes) {
  for (const auto& c : changes) EXPECT_EQ(restore_change(root.get(), c, false).kind, RestoreOutcome::restored);
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 04755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/both")), 06711u);
  auto again = restore_change(root.get(), change("/bin/su"), false);
  EXPECT_EQ(again.kind, RestoreOutcome::refused) << "the mode is no longer the stripped one";
}

TEST_F(SuidUndo, ADryRunChangesNothing) {
  EXPECT_EQ(restore_change(root.get(), change("/bin/su"), true).kind, RestoreOutcome::restored);
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u);
}

TEST_F(SuidUndo, AReplacedFileIsRefused) {
  ASSERT_EQ(unlink(t.at("/bin/su").c_str()), 0);
  t.file(t.at("/bin/su"), 0755);  // same name, same mode, another inode
  auto o = restore_change(root.get(), change("/bin/su"), false);
  EXPECT_EQ(o.kind, RestoreOutcome::refused);
  EXPECT_THAT(o.message, HasSubstr("inode"));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u);
}

TEST_F(SuidUndo, AFileSwappedForASymlinkIsRefusedAndItsTargetUntouched) {
  ASSERT_EQ(rename(t.at("/bin/su").c_str(), t.at("/bin/su.moved").c_str()), 0);
  t.symlink(t.outside() + "/target", t.at("/bin/su"));
  EXPECT_EQ(restore_change(root.get(), change("/bin/su"), false).kind, RestoreOutcome::refused);
  EXPECT_EQ(t.mode_of(t.outside() + "/target"), 0755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/su.moved")), 0755u);
}

TEST_F(SuidUndo, AFileWhoseModeChangedIsRefused) {
  ASSERT_EQ(chmod(t.at("/bin/su").c_str(), 0777), 0);
  EXPECT_EQ(restore_change(root.get(), change("/bin/su"), false).kind, RestoreOutcome::refused);
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0777u);
}

TEST_F(SuidUndo, AFileWhoseOwnerChangedIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "chown needs root";
  ASSERT_EQ(chown(t.at("/bin/su").c_str(), 4242, 4242), 0);
  auto o = restore_change(root.get(), change("/bin/su"), false);
  EXPECT_EQ(o.kind, RestoreOutcome::refused);
  EXPECT_THAT(o.message, HasSubstr("owner"));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u);
}

TEST_F(SuidUndo, AFileWrittenSinceTheStripIsRefusedEvenWithItsMtimeSetBack) {
  struct stat before {};
  ASSERT_EQ(stat(t.at("/bin/su").c_str(), &before), 0);
  {
    std::ofstream out(t.at("/bin/su"), std::ios::app);
    out << "appended";
  }
  // A writer can put the mtime back. The ctime it cannot, but within one
  // tick of the kernel's coarse clock it may not have moved: the content
  // hash is then what refuses.
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, t.at("/bin/su").c_str(), times, 0), 0);
  auto o = restore_change(root.get(), change("/bin/su"), false);
  EXPECT_EQ(o.kind, RestoreOutcome::refused);
  EXPECT_THAT(o.message, ::testing::AnyOf(HasSubstr("ctime"), HasSubstr("content")));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u);
}

TEST_F(SuidUndo, EachRecordedTimeAndTheHashIsChecked) {
  const SuidChange& real = change("/bin/su");
  EXPECT_EQ(real.sha256.size(), 64u);
  struct Case {
    std::string SuidChange::*field;
    const char* message;
  };
  for (const Case& k : {Case{&SuidChange::mtime, "mtime"}, Case{&SuidChange::ctime, "ctime"},
                        Case{&SuidChange::sha256, "content"}}) {
    SuidChange c = real;
    c.*k.field = "0.000000001";
    auto o = restore_change(root.get(), c, false);
    EXPECT_EQ(o.kind, RestoreOutcome::refused) << k.message;
    EXPECT_THAT(o.message, HasSubstr(k.message));
    EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u);
  }
  EXPECT_EQ(restore_change(root.get(), real, false).kind, RestoreOutcome::restored) << "the true record still works";
}

TEST(SuidRecord, LinesAStripCouldNotHaveWrittenAreRefused) {
  std::string error;
  const std::string times = R"(,"mtime":"1.000000000","ctime":"2.000000000","sha256":"ab"})";
  const std::string ok = R"({"path":"/bin/su","old_mode":"04755","new_mode":"00755","uid":0,"gid":0,"dev":1,"ino":2)" + times;
  EXPECT_TRUE(parse_record_line(ok, error)) << error;
  for (const std::string& bad : {
           std::string("not json"),
           // A line without the times and hash: the undo could not tell a
           // file written since from the one stripped.
           std::string(R"({"path":"/bin/su","old_mode":"04755","new_mode":"00755","uid":0,"gid":0,"dev":1,"ino":2})"),
           std::string(R"({"path":"/bin/su","old_mode":"04755","new_mode":"00755","uid":0,"gid":0,"dev":1,"ino":2,"mtime":"1.0","ctime":"2.0"})"),
           std::string("[]"),
           std::string(R"({"path":"bin/su","old_mode":"04755","new_mode":"00755","uid":0,"gid":0,"dev":1,"ino":2)") + times,
           std::string(R"({"path":"/bin/su","old_mode":"04755","new_mode":"00777","uid":0,"gid":0,"dev":1,"ino":2)") + times,
           std::string(R"({"path":"/bin/su","old_mode":"00755","new_mode":"00755","uid":0,"gid":0,"dev":1,"ino":2)") + times,
           std::string(R"({"path":"/bin/su","old_mode":"4755x","new_mode":"00755","uid":0,"gid":0,"dev":1,"ino":2)") + times,
           std::string(R"({"path":"/bin/su","old_mode":"04755","new_mode":"00755","uid":-1,"gid":0,"dev":1,"ino":2)") + times,
           std::string(R"({"path":"/bin/su","old_mode":"04755","new_mode":"00755","uid":0,"gid":0,"ino":2)") + times,
           std::string(R"({"path":"/bin/su","old_mode":"04755","new_mode":"00755","uid":99999999999,"gid":0,"dev":1,"ino":2)") + times,
       }) {
    error.clear();
    EXPECT_FALSE(parse_record_line(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace ringfence::enforcer
