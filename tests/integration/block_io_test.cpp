// Block I/O limits on real sandboxes: the throttles reach the sandbox's own
// blkio cgroup (what the program sees of it, and what the host sees), a
// sandbox without them gets no blkio directory at all, a weight this
// kernel's scheduler cannot give fails the start, and `audit check` notices
// a throttle rewritten behind ringfence's back.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "leaks.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class BlockIo : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    if (!exists("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device") && !exists("/sys/fs/cgroup/cgroup.controllers"))
      GTEST_SKIP() << "this host mounts no blkio hierarchy";
    if (!exists("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"))
      GTEST_SKIP() << "cgroup v2 hosts (io.max) are covered by the unit tests; this one is checked on v1";
    disk_ = a_whole_disk();
    ASSERT_FALSE(disk_.empty());
    const auto colon = disk_.find(':');
    std::ofstream(profile_.path() + "/io.toml")
        << "[profile]\nextends = \"default\"\n[resources]\n[[resources.io_devices]]\nmajor = " << disk_.substr(0, colon)
        << "\nminor = " << disk_.substr(colon + 1) << "\nread_bps = \"1M\"\nwrite_iops = 100\n";
  }
  std::string io_profile() const { return profile_.path() + "/io.toml"; }
  std::string blkio_dir(const std::string& sandbox) const { return "/sys/fs/cgroup/blkio/ringfence/" + sandbox; }

  std::string disk_;
  TempDir profile_{"ringfence-blkio"};
};

TEST_F(BlockIo, ThrottlesAreTheSandboxsOwnAndTheHostSeesThem) {
  const std::string n = name("throttled");
  // Inside: the cgroup namespace shows the sandbox's blkio cgroup as its root.
  auto r = rf({"run", "--name", n, "--profile", io_profile(), "--rootfs", test_rootfs(), "--", "/bin/sh", "-c",
               "cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device "
               "/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(disk_ + " 1048576"));
  EXPECT_THAT(r.out, HasSubstr(disk_ + " 100"));

  // Outside, while it runs: in its own directory, not the host's root.
  const std::string d = name("throttled-detached");
  ASSERT_EQ(rf({"run", "--name", d, "--detach", "--profile", io_profile(), "--rootfs", test_rootfs(), "--",
                "/bin/sleep", "60"})
                .status,
            0);
  EXPECT_THAT(read_text(blkio_dir(d) + "/blkio.throttle.read_bps_device"), HasSubstr(disk_ + " 1048576"));
  EXPECT_THAT(read_text("/proc/" + std::to_string(sandbox_pid(d)) + "/cgroup"), HasSubstr(":blkio:/ringfence/" + d));
  EXPECT_THAT(read_text("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"), ::testing::Not(HasSubstr(disk_ + " 1048576")))
      << "the host's own blkio root is untouched";
  ASSERT_EQ(rf({"delete", "--force", d}).status, 0);
  EXPECT_FALSE(exists(blkio_dir(d))) << "delete removes the blkio directory too";
}

// Docker's flags, with the device named by its node: the numbers come from
// the host. `exec` compiles the same flags again (they are in the state) and
// its process joins the sandbox's blkio cgroup too.
TEST_F(BlockIo, DockerFlagsNameTheDeviceByItsNodeAndExecJoins) {
  std::string devname;
  std::istringstream uevent(read_text("/sys/dev/block/" + disk_ + "/uevent"));
  for (std::string line; std::getline(uevent, line);)
    if (line.rfind("DEVNAME=", 0) == 0) devname = "/dev/" + line.substr(8);
  if (devname.empty() || !exists(devname)) GTEST_SKIP() << "no node in /dev for " << disk_;
  const std::string n = name("flags");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--device-read-bps", devname + ":1mb", "--device-write-iops",
                devname + ":100", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"})
                .status,
            0);
  EXPECT_EQ(read_text(blkio_dir(n) + "/blkio.throttle.read_bps_device"), disk_ + " 1048576\n");
  EXPECT_EQ(read_text(blkio_dir(n) + "/blkio.throttle.write_iops_device"), disk_ + " 100\n");
  const auto inspect = nlohmann::json::parse(rf({"inspect", n}).out);
  EXPECT_EQ(inspect["limits"]["io"]["read_bps"], nlohmann::json::array({disk_ + " 1048576"})) << inspect.dump();
  EXPECT_EQ(inspect["limits"]["io"]["write_iops"], nlohmann::json::array({disk_ + " 100"}));
  auto exec = rf({"exec", n, "/bin/sh", "-c", "grep blkio /proc/self/cgroup; cat /sys/fs/cgroup/blkio/cgroup.procs"});
  ASSERT_EQ(exec.status, 0) << exec.err;
  EXPECT_THAT(exec.out, HasSubstr(":blkio:/\n")) << "the exec'd process is at the root of the sandbox's cgroup namespace";
  // Two processes in the sandbox's blkio cgroup now: the sleeper and the exec'd shell.
  EXPECT_GE(std::count(exec.out.begin(), exec.out.end(), '\n'), 3) << exec.out;

  auto bad = rf({"run", "--device-read-bps", "/dev/null:1mb", "--rootfs", test_rootfs(), "--", "/bin/true"});
  EXPECT_EQ(bad.status, 125) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--device-read-bps /dev/null:1mb: error: '/dev/null' is not a block device"));
}

TEST_F(BlockIo, WithoutLimitsASandboxHasNoBlkioDirectory) {
  const std::string n = name("unthrottled");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"}).status, 0);
  EXPECT_TRUE(exists("/sys/fs/cgroup/memory/ringfence/" + n));
  EXPECT_FALSE(exists(blkio_dir(n)));
  EXPECT_TRUE(nlohmann::json::parse(rf({"inspect", n}).out)["limits"]["io"].is_null());
  // And the compliance check does not hold the missing directory against it.
  const auto check = rf({"audit", "check", "--name", n, "--profile", "default"});
  EXPECT_THAT(check.out, HasSubstr("PASS       RF-RES-004")) << check.out << check.err;
}

// This kernel's block layer has no CFQ, and BFQ is not loaded: no weight
// file. The start fails with the reason, and leaves no cgroup behind.
TEST_F(BlockIo, AWeightTheSchedulerCannotGiveFailsTheStart) {
  if (exists("/sys/fs/cgroup/blkio/blkio.weight") || exists("/sys/fs/cgroup/blkio/blkio.bfq.weight"))
    GTEST_SKIP() << "this host's I/O scheduler offers weights";
  std::ofstream(profile_.path() + "/weight.toml") << "[profile]\nextends = \"default\"\n[resources]\nio_weight = 500\n";
  const std::string n = name("weighted");
  auto r = rf({"run", "--name", n, "--profile", profile_.path() + "/weight.toml", "--rootfs", test_rootfs(), "--",
               "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'cgroup.create' failed: this kernel's block I/O scheduler has no weights"));
  EXPECT_TRUE(cgroups_of(n).empty()) << "the cgroup made before the failure is removed";
}

TEST_F(BlockIo, AuditCheckNoticesARewrittenThrottle) {
  const std::string n = name("rewritten");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--profile", io_profile(), "--rootfs", test_rootfs(), "--",
                "/bin/sleep", "60"})
                .status,
            0);
  auto check = rf({"audit", "check", "--name", n, "--profile", io_profile()});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("PASS       RF-RES-005"));
  std::ofstream(blkio_dir(n) + "/blkio.throttle.read_bps_device") << disk_ << " 2097152";
  check = rf({"audit", "check", "--name", n, "--profile", io_profile()});
  EXPECT_EQ(check.status, 1);
  EXPECT_THAT(check.out, HasSubstr("FAIL       RF-RES-005"));
  EXPECT_THAT(check.out, HasSubstr("expected: " + disk_ + " 1048576"));
}

}  // namespace
}  // namespace ringfence::itest
