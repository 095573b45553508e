// What setting limits writes, on cgroup v1 and v2 alike (this machine runs
// its controllers on v1, so the v2 files are checked here, as values), and
// the layout detection on a fake mountinfo.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/mountinfo.h"

namespace ringfence::enforcer {
namespace {

policy::CgroupParams docker_like() {
  // --memory 256m --memory-swap 512m --cpus 1.5 --cpu-shares 512 --cpuset-cpus 0-1 --pids-limit 100
  policy::CgroupParams p;
  p.memory = 256LL << 20;
  p.memory_swap = 512LL << 20;
  p.cpu_period_us = 100000;
  p.cpu_quota_us = 150000;
  p.cpu_shares = 512;
  p.cpuset_cpus = "0-1";
  p.pids_limit = 100;
  return p;
}

TEST(CgroupWrites, V2UsesTheUnifiedFiles) {
  Cgroup cg;
  cg.version = 2;
  cg.dirs = {{"", "/sys/fs/cgroup/ringfence/x"}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, docker_like(), w).ok());
  const std::string d = "/sys/fs/cgroup/ringfence/x";
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {d, "memory.max", "268435456"},
                   {d, "memory.swap.max", "268435456"},  // swap alone: 512M - 256M
                   {d, "cpu.max", "150000 100000"},
                   {d, "cpu.weight", "20"},  // runc's conversion of 512 shares
                   {d, "cpuset.cpus", "0-1"},
                   {d, "pids.max", "100"},
               }));
}

TEST(CgroupWrites, V2UnlimitedIsMax) {
  Cgroup cg;
  cg.version = 2;
  cg.dirs = {{"", "/cg"}};
  policy::CgroupParams p;
  p.memory = -1;
  p.memory_swap = -1;
  p.pids_limit = -1;
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, p, w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{"/cg", "memory.max", "max"}, {"/cg", "memory.swap.max", "max"},
                                         {"/cg", "pids.max", "max"}}));
}

TEST(CgroupWrites, V1UsesEachControllersDirectory) {
  Cgroup cg;
  cg.version = 1;
  cg.dirs = {{"memory", "/m/x"}, {"cpu,cpuacct", "/c/x"}, {"cpuset", "/s/x"}, {"pids", "/p/x"}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, docker_like(), w).ok());
  // (memory.memsw.limit_in_bytes only where the kernel has the file.)
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {"/m/x", "memory.limit_in_bytes", "268435456"},
                   {"/c/x", "cpu.cfs_period_us", "100000"},
                   {"/c/x", "cpu.cfs_quota_us", "150000"},
                   {"/c/x", "cpu.shares", "512"},
                   {"/s/x", "cpuset.cpus", "0-1"},
                   {"/p/x", "pids.max", "100"},
               }));
}

TEST(CgroupWrites, AV1LimitWithoutItsControllerFails) {
  Cgroup cg;
  cg.version = 1;
  cg.dirs = {{"memory", "/m/x"}};
  policy::CgroupParams p;
  p.pids_limit = 10;
  std::vector<CgroupWrite> w;
  const Status st = cgroup_limit_writes(cg, p, w);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message, "no pids cgroup controller is mounted as a cgroup v1 hierarchy");
}

// --device-read-bps 254:0:1mb --device-write-iops 254:0:100 --device-read-bps 7:0:2mb
policy::CgroupParams throttles() {
  policy::CgroupParams p;
  p.io_devices = {{.major = 254, .minor = 0, .read_bps = 1 << 20, .write_iops = 100},
                  {.major = 7, .minor = 0, .read_bps = 2 << 20}};
  return p;
}

TEST(CgroupWrites, V1ThrottlesGoToBlkioOneLinePerDevice) {
  Cgroup cg;
  cg.version = 1;
  cg.dirs = {{"memory", "/m/x"}, {"blkio", "/b/x"}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, throttles(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{
                   {"/b/x", "blkio.throttle.read_bps_device", "254:0 1048576"},
                   {"/b/x", "blkio.throttle.write_iops_device", "254:0 100"},
                   {"/b/x", "blkio.throttle.read_bps_device", "7:0 2097152"},
               }));
  // Without a blkio hierarchy (or its directory) the limit fails.
  cg.dirs = {{"memory", "/m/x"}};
  w.clear();
  EXPECT_EQ(cgroup_limit_writes(cg, throttles(), w).message, "no blkio cgroup controller is mounted as a cgroup v1 hierarchy");
}

// Weights go to the file the kernel's scheduler offers; where it offers
// none (this machine: blkio without CFQ or BFQ) the limit fails, naming why.
// On v2 the io controller's own files must be there at all. The files are
// made in a scratch directory, as the kernel would show them.
class CgroupIoFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-cgroup-weights.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void touch(const std::string& file) { std::ofstream(dir_ + "/" + file) << ""; }
  static policy::CgroupParams weighted() {
    policy::CgroupParams p;
    p.io_weight = 500;
    p.io_devices = {{.major = 8, .minor = 16, .weight = 10}};
    return p;
  }
  std::string dir_;
};

TEST_F(CgroupIoFiles, V1WritesBlkioWeightAndItsDeviceFile) {
  touch("blkio.weight");
  Cgroup cg{1, {{"blkio", dir_}}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, weighted(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "blkio.weight", "500"}, {dir_, "blkio.weight_device", "8:16 10"}}));
}

TEST_F(CgroupIoFiles, V1UsesBfqsFilesWhenOnlyBfqOffersWeights) {
  touch("blkio.bfq.weight");
  Cgroup cg{1, {{"blkio", dir_}}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, weighted(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "blkio.bfq.weight", "500"}, {dir_, "blkio.bfq.weight_device", "8:16 10"}}));
}

TEST_F(CgroupIoFiles, V2ThrottlesAreOneIoMaxLinePerDevice) {
  Cgroup cg{2, {{"", dir_}}};
  std::vector<CgroupWrite> w;
  const Status st = cgroup_limit_writes(cg, throttles(), w);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("the io controller is not enabled"), std::string::npos) << st.message;
  touch("io.stat");
  w.clear();
  ASSERT_TRUE(cgroup_limit_writes(cg, throttles(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "io.max", "254:0 rbps=1048576 wiops=100"},
                                         {dir_, "io.max", "7:0 rbps=2097152"}}));
}

TEST_F(CgroupIoFiles, V2ConvertsToIoWeightsScaleButNotForBfq) {
  touch("io.stat");
  touch("io.weight");
  Cgroup cg{2, {{"", dir_}}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, weighted(), w).ok());
  // runc's conversion: 10..1000 onto 1..10000.
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "io.weight", "default 4950"}, {dir_, "io.weight", "8:16 1"}}));
  touch("io.bfq.weight");
  w.clear();
  ASSERT_TRUE(cgroup_limit_writes(cg, weighted(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "io.bfq.weight", "default 500"}, {dir_, "io.bfq.weight", "8:16 10"}}));
}

TEST_F(CgroupIoFiles, NoWeightFileIsAFailureThatSaysSo) {
  touch("blkio.throttle.read_bps_device");
  Cgroup cg{1, {{"blkio", dir_}}};
  std::vector<CgroupWrite> w;
  const Status st = cgroup_limit_writes(cg, weighted(), w);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("no weights"), std::string::npos) << st.message;
  // Throttles alone need no weight file.
  w.clear();
  EXPECT_TRUE(cgroup_limit_writes(cg, throttles(), w).ok());
}

// Huge page limits go to the file of their page size, and to its
// reservation twin where the kernel has one (Linux 5.7 on); a size the
// kernel lacks, or v2 without the controller, fails naming why.
class CgroupHugepageFiles : public CgroupIoFiles {
 protected:
  static policy::CgroupParams huge() {
    policy::CgroupParams p;
    p.hugepages = {{.page_size = "2MB", .limit = 4 << 20}, {.page_size = "1GB", .limit = 0}};
    return p;
  }
};

TEST_F(CgroupHugepageFiles, V1WritesEachSizesLimitAndItsReservations) {
  touch("hugetlb.2MB.limit_in_bytes");
  touch("hugetlb.2MB.rsvd.limit_in_bytes");
  touch("hugetlb.1GB.limit_in_bytes");
  Cgroup cg{1, {{"memory", "/m/x"}, {"hugetlb", dir_}}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, huge(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "hugetlb.2MB.limit_in_bytes", "4194304"},
                                         {dir_, "hugetlb.2MB.rsvd.limit_in_bytes", "4194304"},
                                         {dir_, "hugetlb.1GB.limit_in_bytes", "0"}}));
  // Without a hugetlb hierarchy (or its directory) the limit fails.
  cg.dirs = {{"memory", "/m/x"}};
  w.clear();
  EXPECT_EQ(cgroup_limit_writes(cg, huge(), w).message, "no hugetlb cgroup controller is mounted as a cgroup v1 hierarchy");
}

TEST_F(CgroupHugepageFiles, ASizeTheKernelLacksFails) {
  touch("hugetlb.2MB.limit_in_bytes");
  Cgroup cg{1, {{"hugetlb", dir_}}};
  std::vector<CgroupWrite> w;
  const Status st = cgroup_limit_writes(cg, huge(), w);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message, "this kernel has no 1GB huge pages (no hugetlb.1GB.limit_in_bytes in " + dir_ + ")");
}

TEST_F(CgroupHugepageFiles, V2WritesMaxFilesWhereTheControllerIsEnabled) {
  touch("hugetlb.2MB.max");
  touch("hugetlb.2MB.rsvd.max");
  touch("hugetlb.1GB.max");
  Cgroup cg{2, {{"", dir_}}};
  std::vector<CgroupWrite> w;
  std::ofstream(dir_ + "/cgroup.controllers") << "cpu memory pids\n";
  const Status st = cgroup_limit_writes(cg, huge(), w);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("the hugetlb controller is not enabled"), std::string::npos) << st.message;
  std::ofstream(dir_ + "/cgroup.controllers") << "cpu memory hugetlb pids\n";
  w.clear();
  ASSERT_TRUE(cgroup_limit_writes(cg, huge(), w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{dir_, "hugetlb.2MB.max", "4194304"},
                                         {dir_, "hugetlb.2MB.rsvd.max", "4194304"},
                                         {dir_, "hugetlb.1GB.max", "0"}}));
}

// A v2 tree whose parent does not delegate memory: the directory has no
// memory.max. (A scratch directory stands for the tree: no cgroup.controllers,
// so nothing can be enabled.) The start fails naming the controller, and
// the directory made for it is gone.
TEST_F(CgroupIoFiles, V2WithoutADelegatedControllerSaysWhich) {
  CgroupLayout layout;
  layout.version = 2;
  layout.v2_mount = dir_;
  policy::CgroupParams p;
  p.memory = 64LL << 20;
  auto cg = create_cgroup(layout, "ringfence/x", p);
  ASSERT_FALSE(cg.ok());
  EXPECT_EQ(cg.status().message, "the memory controller is not enabled for " + dir_ +
                                     "/ringfence/x (its parent's cgroup.subtree_control lacks memory): memory.max "
                                     "cannot be written");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ringfence/x"));
}

// resources.unified: the files by name, after ringfence's own limits (as
// runc writes them); on v1 there are none to write, and the start fails.
TEST(CgroupWrites, UnifiedFilesAreWrittenLastAndOnlyOnV2) {
  policy::CgroupParams p;
  p.pids_limit = 10;
  p.unified = {{"memory.high", "512M"}, {"cpu.idle", "1"}};
  Cgroup cg{2, {{"", "/cg"}}};
  std::vector<CgroupWrite> w;
  ASSERT_TRUE(cgroup_limit_writes(cg, p, w).ok());
  EXPECT_EQ(w, (std::vector<CgroupWrite>{{"/cg", "pids.max", "10"}, {"/cg", "cpu.idle", "1"}, {"/cg", "memory.high", "512M"}}));
  Cgroup v1{1, {{"pids", "/p"}}};
  w.clear();
  const Status st = cgroup_limit_writes(v1, p, w);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message, "resources.unified sets cgroup v2 files (cpu.idle...), and this host runs its controllers on "
                        "cgroup v1");
}

TEST(CgroupHierarchies, OnlyBlkioAndHugetlbAreOptional) {
  EXPECT_TRUE(optional_hierarchy("blkio"));
  EXPECT_TRUE(optional_hierarchy("blkio,net_cls"));
  EXPECT_TRUE(optional_hierarchy("hugetlb"));
  for (const char* always : {"memory", "cpu,cpuacct", "cpuset", "pids", "devices", "freezer", ""})
    EXPECT_FALSE(optional_hierarchy(always)) << always;
  // Each holds a sandbox only when its own limits are asked for.
  policy::CgroupParams io;
  io.io_weight = 100;
  policy::CgroupParams huge;
  huge.hugepages = {{.page_size = "2MB", .limit = 0}};
  EXPECT_TRUE(holds_sandbox("blkio", io));
  EXPECT_FALSE(holds_sandbox("hugetlb", io));
  EXPECT_TRUE(holds_sandbox("hugetlb", huge));
  EXPECT_FALSE(holds_sandbox("blkio", huge));
  EXPECT_FALSE(holds_sandbox("hugetlb", {}));
  EXPECT_TRUE(holds_sandbox("memory", {}));
}

// cgroup.attach with no directory to move into would leave the sandbox
// outside any cgroup: both ways of moving refuse instead.
TEST(CgroupAttach, NoDirectoryIsAFailureNotANoOp) {
  Cgroup none;
  none.version = 1;
  auto tasks = open_cgroup_tasks(none);
  ASSERT_FALSE(tasks.ok());
  EXPECT_NE(tasks.status().message.find("no directory"), std::string::npos) << tasks.status().message;
  Status attached = attach_to_cgroup(none, 1);
  EXPECT_FALSE(attached);
  EXPECT_NE(attached.message.find("no directory"), std::string::npos) << attached.message;
}

TEST(Mountinfo, ParsesFlagsAndEscapes) {
  const auto m = parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
      "40 22 0:35 / /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup "
      "rw,cpu,cpuacct\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].mount_point, "/mnt two");
  EXPECT_EQ(m[0].root, "/mnt1");
  EXPECT_EQ(m[0].fstype, "ext3");
  EXPECT_TRUE(m[0].has_option("noatime"));
  EXPECT_FALSE(m[0].has_option("ro"));
  EXPECT_EQ(m[1].super_options, "rw,cpu,cpuacct");
  EXPECT_TRUE(m[1].has_option("nosuid"));
}

}  // namespace
}  // namespace ringfence::enforcer
