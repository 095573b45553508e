// libarchive, libapparmor and libselinux are loaded by the commands that
// need them, not by every start of ringfence (base/shared_library.h). A
// copy of each that cannot be loaded, put first on ringfence's library path,
// shows both halves: a sandbox that needs none of them starts as before,
// and one that needs one fails closed saying which library and which Debian
// package — an optional AppArmor profile and a :z volume included, since
// without the library nobody knows whether the module is on.
#include <gmock/gmock.h>

#include <fstream>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class LazyLibraries : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    for (const char* soname : {"libarchive.so.13", "libapparmor.so.1", "libselinux.so.1"})
      std::ofstream(broken_ / soname) << "not a shared library\n";
    with_broken_.env["LD_LIBRARY_PATH"] = broken_.path();
  }
  std::string data(const std::string& f) { return std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/lsm/" + f; }

  TempDir broken_{"ringfence-broken-libs"};
  RunOptions with_broken_;
};

TEST_F(LazyLibraries, TheBinaryLinksNoneOfThem) {
  int status = -1;
  const std::string needed = shell(std::string("readelf -d ") + RINGFENCE_BINARY + " | grep NEEDED", &status);
  ASSERT_EQ(status, 0);
  EXPECT_THAT(needed, HasSubstr("libseccomp"));  // the check sees what is linked
  EXPECT_THAT(needed, Not(HasSubstr("libarchive")));
  EXPECT_THAT(needed, Not(HasSubstr("libapparmor")));
  EXPECT_THAT(needed, Not(HasSubstr("libselinux")));
}

// Nor the two that every process paid for at start and every supervisor
// while it ran (docs/contributing.md, "What the binary loads"): libcrypto,
// whose SHA-256 is linked in, and, in the optimised build, the C++
// runtime and fmt, and libm (its two rounding-mode functions are linked
// in). The sanitizer build keeps the shared C++ runtime and libm.
TEST_F(LazyLibraries, NeitherLibcryptoNorTheSharedCxxRuntimeIsLoaded) {
  int status = -1;
  const std::string needed = shell(std::string("readelf -d ") + RINGFENCE_BINARY + " | grep NEEDED", &status);
  ASSERT_EQ(status, 0);
  EXPECT_THAT(needed, HasSubstr("libseccomp"));
  EXPECT_THAT(needed, Not(HasSubstr("libcrypto")));
#ifndef __SANITIZE_ADDRESS__
  EXPECT_THAT(needed, Not(HasSubstr("libstdc++")));
  EXPECT_THAT(needed, Not(HasSubstr("libfmt")));
  EXPECT_THAT(needed, Not(HasSubstr("libgcc_s")));
  EXPECT_THAT(needed, Not(HasSubstr("libm.so")));
#endif
}

TEST_F(LazyLibraries, ASandboxThatNeedsNoneStartsWithoutThem) {
  auto r = rf(run_args({}, "echo ran"), with_broken_);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "ran\n");
}

TEST_F(LazyLibraries, AnAppArmorProfileFailsClosedNamingTheLibrary) {
  for (const char* profile : {"apparmor-required.toml", "apparmor-optional.toml"}) {
    auto r = rf(run_args({"--profile", data(profile)}, "echo ran"), with_broken_);
    EXPECT_EQ(r.status, 125) << profile;
    EXPECT_THAT(r.err, HasSubstr("step 'apparmor.check' failed: AppArmor: cannot load libapparmor.so.1 (Debian "
                                 "package libapparmor1): " +
                                 broken_ / "libapparmor.so.1"))
        << profile;
    EXPECT_THAT(r.out, Not(HasSubstr("ran"))) << profile;
  }
}

TEST_F(LazyLibraries, ASELinuxProfileFailsClosedNamingTheLibrary) {
  auto r = rf(run_args({"--profile", data("selinux-optional.toml")}, "echo ran"), with_broken_);
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'selinux.check' failed: SELinux: cannot load libselinux.so.1 (Debian package "
                               "libselinux1)"));
  EXPECT_THAT(r.out, Not(HasSubstr("ran")));
}

TEST_F(LazyLibraries, AVolumeToRelabelIsNotMountedUnrelabelled) {
  // Without libselinux nobody knows whether SELinux is on: the volume is
  // not mounted as though it were off.
  TempDir data("ringfence-lazy-volume");
  auto r = rf({"run", "--rootfs", test_rootfs(), "-v", data.path() + ":/data:z", "--", "/bin/echo", "ran"},
              with_broken_);
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'mount.sources' failed: SELinux: cannot load libselinux.so.1 (Debian package "
                               "libselinux1)"));
  EXPECT_THAT(r.out, Not(HasSubstr("ran")));
  // A volume not marked needs no libselinux.
  auto plain = rf({"run", "--rootfs", test_rootfs(), "-v", data.path() + ":/data", "--", "/bin/echo", "ran"},
                  with_broken_);
  EXPECT_EQ(plain.status, 0) << plain.err;
}

TEST_F(LazyLibraries, AnImportFailsNamingTheLibraryAndLeavesNothing) {
  TempDir store("ringfence-lazy-store");
  // A layer to read: the import gets as far as unpacking it.
  const std::string layout = store / "layout";
  int status = -1;
  shell("python3 " + std::string(RINGFENCE_SOURCE_DIR) + "/tests/tools/make-image.py --layer " + test_rootfs() +
            " " + layout,
        &status);
  ASSERT_EQ(status, 0);
  auto r = rf({"image", "--store", store / "s", "import", "--name", "bb", layout}, with_broken_);
  EXPECT_NE(r.status, 0);
  EXPECT_THAT(r.err, HasSubstr("reading and writing image layers needs libarchive: cannot load libarchive.so.13 "
                               "(Debian package libarchive13)"));
  auto images = rf({"image", "--store", store / "s", "ls"});
  EXPECT_THAT(images.out, Not(HasSubstr("bb")));
  // Without the broken copy the same import works.
  auto again = rf({"image", "--store", store / "s", "import", "--name", "bb", layout});
  EXPECT_EQ(again.status, 0) << again.err;
}

}  // namespace
}  // namespace ringfence::itest
