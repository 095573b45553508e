// The setuid walk and strip on real temporary trees: what is found, what is
// changed, and above all what is not — symlink targets, other mounts, kept
// files.
#include "ringfence/enforcer/suid_harden.h"

#include <fcntl.h>
#include <stdio.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include <gmock/gmock.h>

#include "suid_test_tree.h"

namespace ringfence::enforcer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::SuidTestTree;

std::vector<std::string> paths(const HardenReport& r, SuidOutcome outcome) {
  std::vector<std::string> out;
  for (const auto& f : r.files)
    if (f.outcome == outcome) out.push_back(f.file.path);
  return out;
}

HardenReport run(const SuidTestTree& t, HardenOptions o) {
  HardenReport r;
  Status st = harden_tree(t.root(), o, r);
  EXPECT_TRUE(st) << st.message;
  return r;
}

HardenOptions stripping() {
  HardenOptions o;
  o.strip = true;
  return o;
}

class SuidHarden : public ::testing::Test {
 protected:
  void SetUp() override {
    t.file(t.at("/bin/su"), 04755);
    t.file(t.at("/bin/wall"), 02755);
    t.file(t.at("/bin/both"), 06711);
    t.file(t.at("/bin/plain"), 0755);
    t.file(t.at("/usr/lib/deep/er/still/suid"), 04700);
    t.dir(t.at("/var/mail"), 02775);  // a setgid directory is not a setuid file
  }
  SuidTestTree t;
};

TEST_F(SuidHarden, ReportFindsSetuidAndSetgidFilesAndChangesNothing) {
  auto r = run(t, {});
  EXPECT_THAT(paths(r, SuidOutcome::found), ElementsAre("/bin/both", "/bin/su", "/bin/wall", "/usr/lib/deep/er/still/suid"));
  ASSERT_EQ(r.files.size(), 4u);
  EXPECT_EQ(r.files[1].file.mode, 04755u);
  EXPECT_EQ(r.files[1].file.uid, getuid());
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 04755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/wall")), 02755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/both")), 06711u);
}

TEST_F(SuidHarden, StripRemovesOnlyTheSetuidAndSetgidBitsOfRegularFiles) {
  std::vector<std::pair<std::string, mode_t>> recorded;
  auto o = stripping();
  o.on_strip = [&](const SuidFile& f, mode_t to) {
    recorded.emplace_back(f.path, to);
    return Status::success();
  };
  auto r = run(t, o);
  EXPECT_THAT(paths(r, SuidOutcome::stripped), ElementsAre("/bin/both", "/bin/su", "/bin/wall", "/usr/lib/deep/er/still/suid"));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/wall")), 0755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/both")), 0711u);
  EXPECT_EQ(t.mode_of(t.at("/usr/lib/deep/er/still/suid")), 0700u);
  EXPECT_EQ(t.mode_of(t.at("/bin/plain")), 0755u);
  EXPECT_EQ(t.mode_of(t.at("/var/mail")), 02775u);
  std::sort(recorded.begin(), recorded.end());
  EXPECT_THAT(recorded, ElementsAre(std::pair<std::string, mode_t>{"/bin/both", 0711}, std::pair<std::string, mode_t>{"/bin/su", 0755},
                                    std::pair<std::string, mode_t>{"/bin/wall", 0755},
                                    std::pair<std::string, mode_t>{"/usr/lib/deep/er/still/suid", 0700}));
  EXPECT_THAT(paths(run(t, {}), SuidOutcome::found), IsEmpty()) << "a second scan finds nothing";
}

TEST_F(SuidHarden, OneThreadAndManyFindTheSame) {
  for (int i = 0; i < 50; ++i) t.file(t.at("/many/d" + std::to_string(i % 7) + "/f" + std::to_string(i)), i % 3 ? 04755 : 0644);
  auto o1 = HardenOptions{};
  o1.threads = 1;
  auto o8 = HardenOptions{};
  o8.threads = 8;
  EXPECT_EQ(paths(run(t, o1), SuidOutcome::found), paths(run(t, o8), SuidOutcome::found));
  EXPECT_EQ(paths(run(t, o8), SuidOutcome::found).size(), 4u + 33u);
}

TEST_F(SuidHarden, KeptFilesAreLeftAloneWhateverTheSpelling) {
  auto o = stripping();
  o.keep = {"/bin/su", "bin//wall/"};
  auto r = run(t, o);
  EXPECT_THAT(paths(r, SuidOutcome::kept), ElementsAre("/bin/su", "/bin/wall"));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 04755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/wall")), 02755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/both")), 0711u);
  EXPECT_THAT(r.unmatched_keep, IsEmpty());
}

TEST_F(SuidHarden, AKeepEntryThatNamesNothingChangesNothingWhenItMustExist) {
  auto o = stripping();
  o.keep = {"/bin/sU"};
  o.keep_must_exist = true;
  HardenReport r;
  Status st = harden_tree(t.root(), o, r);
  EXPECT_FALSE(st);
  EXPECT_THAT(st.message, HasSubstr("/bin/sU"));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 04755u);
  EXPECT_EQ(t.mode_of(t.at("/bin/both")), 06711u);
}

TEST_F(SuidHarden, AKeepPathThroughASymlinkIsNotFollowed) {
  t.symlink("bin", t.at("/sbin"));
  HardenOptions o;
  o.keep = {"/sbin/su"};
  auto r = run(t, o);
  EXPECT_THAT(paths(r, SuidOutcome::kept), IsEmpty());
  ASSERT_EQ(r.unmatched_keep.size(), 1u);
  EXPECT_THAT(r.unmatched_keep[0], HasSubstr("symlink"));
}

TEST_F(SuidHarden, ASymlinkToASetuidFileOutsideIsNotFollowed) {
  t.file(t.outside() + "/target", 04755);
  t.symlink(t.outside() + "/target", t.at("/bin/abs-link"));
  t.symlink("../../outside/target", t.at("/rel-link"));
  auto r = run(t, stripping());
  EXPECT_EQ(t.mode_of(t.outside() + "/target"), 04755u);
  for (const auto& f : r.files) EXPECT_THAT(f.file.path, ::testing::Not(HasSubstr("link")));
}

TEST_F(SuidHarden, ASymlinkedDirectoryIsNotDescended) {
  t.file(t.outside() + "/dir/suid", 04755);
  t.symlink(t.outside() + "/dir", t.at("/linked-dir"));
  auto r = run(t, stripping());
  EXPECT_EQ(t.mode_of(t.outside() + "/dir/suid"), 04755u);
  EXPECT_THAT(r.problems, IsEmpty());
}

TEST_F(SuidHarden, AHardLinkedFileIsChangedOnce) {
  ASSERT_EQ(link(t.at("/bin/su").c_str(), t.at("/usr/su-again").c_str()), 0);
  auto report = run(t, {});
  EXPECT_EQ(paths(report, SuidOutcome::found).size() + paths(report, SuidOutcome::same_inode).size(), 5u)
      << "a report lists every path";
  EXPECT_EQ(paths(report, SuidOutcome::same_inode).size(), 1u);

  int changes_to_su = 0;
  auto o = stripping();
  o.on_strip = [&](const SuidFile& f, mode_t) {
    changes_to_su += f.path == "/bin/su" || f.path == "/usr/su-again";
    return Status::success();
  };
  run(t, o);
  EXPECT_EQ(changes_to_su, 1);
  EXPECT_EQ(t.mode_of(t.at("/usr/su-again")), 0755u);
}

TEST_F(SuidHarden, AKeptFilesHardLinkIsKeptToo) {
  ASSERT_EQ(link(t.at("/bin/su").c_str(), t.at("/usr/su-again").c_str()), 0);
  auto o = stripping();
  o.keep = {"/bin/su"};
  auto r = run(t, o);
  EXPECT_EQ(t.mode_of(t.at("/usr/su-again")), 04755u);
  EXPECT_THAT(paths(r, SuidOutcome::stripped), ::testing::Not(::testing::Contains("/usr/su-again")));
}

TEST_F(SuidHarden, MountPointsInsideTheTreeAreNotDescended) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  if (!t.mount_at(t.at("/mnt/tmpfs"))) GTEST_SKIP() << "cannot mount a tmpfs here";
  t.file(t.at("/mnt/tmpfs/suid"), 04755);
  // A bind mount of the same filesystem has the same st_dev: only the mount
  // check tells it apart, and it may well be a host directory.
  t.file(t.outside() + "/bound/suid", 04755);
  ASSERT_TRUE(t.mount_at(t.at("/mnt/bind"), t.outside() + "/bound"));
  auto r = run(t, stripping());
  EXPECT_EQ(t.mode_of(t.at("/mnt/tmpfs/suid")), 04755u);
  EXPECT_EQ(t.mode_of(t.outside() + "/bound/suid"), 04755u);
  EXPECT_THAT(r.mount_points, ElementsAre("/mnt/bind", "/mnt/tmpfs"));
  EXPECT_EQ(t.mode_of(t.at("/bin/su")), 0755u) << "the rest of the tree is still done";
}

TEST_F(SuidHarden, AFileMountedOverOneInTheTreeIsNotChanged) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  t.file(t.outside() + "/over", 04755);
  ASSERT_TRUE(t.mount_at(t.at("/bin/su"), t.outside() + "/over"));
  run(t, stripping());
  EXPECT_EQ(t.mode_of(t.outside() + "/over"), 04755u);
}

TEST_F(SuidHarden, AFileSwappedForASymlinkWhileTheWalkRunsIsNeverFollowed) {
  // One name flips between a setuid file and a symlink to a setuid file
  // outside the tree, as fast as it can, while the tree is stripped again
  // and again. Following the symlink even once would strip the target.
  t.file(t.outside() + "/target", 04755);
  t.file(t.at("/race/a"), 04755);
  t.symlink(t.outside() + "/target", t.at("/race/b"));
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    while (!stop) renameat2(AT_FDCWD, t.at("/race/a").c_str(), AT_FDCWD, t.at("/race/b").c_str(), RENAME_EXCHANGE);
  });
  for (int i = 0; i < 300; ++i) {
    HardenReport r;
    (void)harden_tree(t.root(), stripping(), r);
    // Put the bit back on whichever name holds the file now, without
    // following the other (O_NOFOLLOW): the target must keep its own mode.
    for (const char* name : {"/race/a", "/race/b"}) {
      const int fd = open(t.at(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        (void)fchmod(fd, 04755);
        close(fd);
      }
    }
  }
  stop = true;
  flipper.join();
  EXPECT_EQ(t.mode_of(t.outside() + "/target"), 04755u);
}

TEST(SuidHardenRoot, AMissingRootIsAnErrorNotACrash) {
  HardenReport r;
  Status st = harden_tree("/nonexistent/ringfence-root", {}, r);
  EXPECT_FALSE(st);
  EXPECT_THAT(st.message, HasSubstr("/nonexistent/ringfence-root"));
}

}  // namespace
}  // namespace ringfence::enforcer
