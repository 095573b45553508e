// resources.unified on a real host: on cgroup v2 each file is written into
// the sandbox's own directory (read from inside the sandbox); on cgroup v1,
// which has no such files (this machine), the start fails naming the file
// and leaves nothing behind.
#include <fstream>

#include <gmock/gmock.h>

#include "harness.h"
#include "leaks.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class Unified : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    std::ofstream(profile_ / "unified.toml") << "[profile]\nextends = \"default\"\n[resources.unified]\n"
                                                "\"memory.high\" = \"512M\"\n";
  }
  static bool v2_host() { return exists("/sys/fs/cgroup/cgroup.controllers"); }
  TempDir profile_{"ringfence-unified"};
};

TEST_F(Unified, FilesAreWrittenOnV2AndRefusedOnV1) {
  const std::string n = name("unified");
  auto r = rf({"run", "--name", n, "--profile", profile_ / "unified.toml", "--rootfs", test_rootfs(), "--", "/bin/cat",
               "/sys/fs/cgroup/memory.high"});
  if (v2_host()) {
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "536870912\n");
    return;
  }
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'cgroup.create' failed: resources.unified sets cgroup v2 files (memory.high...), "
                               "and this host runs its controllers on cgroup v1"));
  EXPECT_TRUE(cgroups_of(n).empty()) << "the cgroup made before the failure is removed";
}

}  // namespace
}  // namespace ringfence::itest
