// Opening what a sandbox will mount, in the parent: a bind source the site
// policy floor judged is opened exactly as judged, with no symlink followed,
// so a link swapped in after the judgement cannot move the mount.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "ringfence/enforcer/mount_sources.h"

namespace ringfence::enforcer {
namespace {

class MountSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "copying mounts (open_tree) needs root";
    char tmpl[] = "/tmp/ringfence-mount-sources-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/rootfs");
    std::filesystem::create_directories(dir_ + "/data/real");
    // What a user who may write in an allowed directory could plant: a
    // component of the judged path turned into a link.
    std::filesystem::create_directory_symlink(dir_ + "/data/real", dir_ + "/data/link");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Status open_volume(const std::string& source, bool exact) {
    policy::RootfsParams root;
    root.host_root = false;
    root.path = dir_ + "/rootfs";
    policy::MountsParams volumes;
    policy::MountEntry m;
    m.type = "bind";
    m.source = source;
    m.target = "/data";
    m.exact = exact;
    volumes.mounts.push_back(m);
    MountSources out;
    return open_mount_sources(root, &volumes, {}, out);
  }

  std::string dir_;
};

TEST_F(MountSourcesTest, AnExactSourceIsOpenedWithoutFollowingASymlink) {
  EXPECT_TRUE(open_volume(dir_ + "/data/real", true).ok());
  const Status through_link = open_volume(dir_ + "/data/link", true);
  EXPECT_FALSE(through_link.ok());
  EXPECT_EQ(through_link.err, ELOOP) << through_link.message;
  // Any other volume may name its source through a link, as Docker's -v does.
  EXPECT_TRUE(open_volume(dir_ + "/data/link", false).ok());
}

// The host's secrets below an allowed directory are whiteouts in an overlay
// of it, not mounts over each: the host replacing the file by rename (as
// passwd replaces /etc/shadow) detaches every mount on the old file, but
// the whiteout hides the name, whatever is there.
TEST_F(MountSourcesTest, AHiddenPathStaysOutOfTheHostsViewWhenTheHostReplacesIt) {
  const std::string view = dir_ + "/view";
  std::filesystem::create_directories(view + "/sub");
  for (const char* file : {"visible", "secret", "sub/key", "sub/other"}) std::ofstream(view + "/" + file) << file;
  std::filesystem::permissions(view + "/sub", std::filesystem::perms(0750));
  const timespec past[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, view.c_str(), past, 0), 0);

  policy::RootfsParams root;
  root.host_root = true;
  root.host_paths = {view};
  MountSources out;
  const Status opened =
      open_mount_sources(root, nullptr, {view + "/secret", view + "/sub/key", view + "/absent/deeper"}, out);
  ASSERT_TRUE(opened.ok()) << opened.message;
  ASSERT_EQ(out.host.size(), 1u);
  const int tree = out.host[0].tree.get();

  auto there = [&](const char* path) { return faccessat(tree, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0; };
  EXPECT_FALSE(there("secret"));
  EXPECT_FALSE(there("sub/key"));
  EXPECT_TRUE(there("visible"));
  EXPECT_TRUE(there("sub/other"));
  // The directories the whiteouts needed look as the host's do.
  struct stat top {}, sub {};
  ASSERT_EQ(fstatat(tree, "", &top, AT_EMPTY_PATH), 0);
  ASSERT_EQ(fstatat(tree, "sub", &sub, 0), 0);
  EXPECT_EQ(top.st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(sub.st_mode & 07777, 0750u);

  // The host replaces the secret, as passwd would.
  std::ofstream(view + "/secret.new") << "new secret";
  ASSERT_EQ(rename((view + "/secret.new").c_str(), (view + "/secret").c_str()), 0);
  EXPECT_FALSE(there("secret"));
}

}  // namespace
}  // namespace ringfence::enforcer
