// Paths as Docker treats them: -v creates a missing source (a profile's
// own volume does not), -w creates a missing working directory, and :z/:Z
// are accepted, with one note where SELinux is off.
#include <sys/stat.h>

#include <fstream>

#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using VolumePaths = SandboxTest;

TEST_F(VolumePaths, AMissingVolumeSourceIsCreatedAsDockerDoes) {
  TempDir dir;
  const std::string source = dir / "new/deeper";
  auto r = rf({"run", "--rootfs", test_rootfs(), "-v", source + ":/data", "--", "/bin/sh", "-c",
               "test -d /data && echo is-a-dir"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("is-a-dir"));
  struct stat st {};
  ASSERT_EQ(stat(source.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST_F(VolumePaths, AProfilesOwnVolumeMustExist) {
  TempDir dir;
  const std::string profile = dir / "vol.toml";
  std::ofstream(profile) << "[profile]\nname = \"vol\"\nextends = \"default\"\n[[filesystem.volumes]]\nsource = \""
                         << dir / "absent" << "\"\ntarget = \"/data\"\n";
  auto r = rf({"run", "--profile", profile, "--rootfs", test_rootfs(), "--", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("open volume source " + dir / "absent" + ": No such file or directory"));
  EXPECT_FALSE(exists(dir / "absent"));
}

TEST_F(VolumePaths, AMissingWorkingDirectoryIsCreated) {
  auto r = rf({"run", "--rootfs", test_rootfs(), "--tmpfs", "/scratch", "-w", "/scratch/a/b", "--", "/bin/sh", "-c",
               "pwd; ls -ld /scratch/a | cut -c1-10"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("/scratch/a/b\n"));
  EXPECT_THAT(r.out, HasSubstr("drwxr-xr-x"));
  // Where it cannot be made, the message says which and why.
  auto ro = rf({"run", "-w", "/no-such-dir", "--", "/bin/true"});
  EXPECT_EQ(ro.status, 125);
  EXPECT_THAT(ro.err, HasSubstr("the working directory /no-such-dir does not exist, and creating /no-such-dir failed: "
                                "Read-only file system"));
}

TEST_F(VolumePaths, RelabelOptionsAreAcceptedAndSaidOnceWithoutSELinux) {
  if (exists("/sys/fs/selinux/enforce")) GTEST_SKIP() << "SELinux is on here: the note is not printed";
  TempDir a, b;
  auto r = rf({"run", "--rootfs", test_rootfs(), "-v", a.path() + ":/a:z", "-v", b.path() + ":/b:Z,ro", "--",
               "/bin/sh", "-c", "test -d /a && test -d /b && echo both"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("both"));
  const std::string note = "volumes marked :z or :Z are not relabelled";
  const auto first = r.err.find(note);
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(note, first + 1), std::string::npos) << "said once: " << r.err;
  auto quiet = rf({"run", "--quiet", "--rootfs", test_rootfs(), "-v", a.path() + ":/a:z", "--", "/bin/true"});
  EXPECT_EQ(quiet.status, 0);
  EXPECT_THAT(quiet.err, Not(HasSubstr(note)));
}

}  // namespace
}  // namespace ringfence::itest
