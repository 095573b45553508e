// Opening what a sandbox will mount, in the parent: a bind source the site
// policy floor judged is opened exactly as judged, with no symlink followed,
// so a link swapped in after the judgement cannot move the mount.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

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
    return open_mount_sources(root, &volumes, out);
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

}  // namespace
}  // namespace ringfence::enforcer
