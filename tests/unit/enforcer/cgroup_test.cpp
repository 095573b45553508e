// What setting limits writes, on cgroup v1 and v2 alike (this machine runs
// its controllers on v1, so the v2 files are checked here, as values), and
// the layout detection on a fake mountinfo.
#include <gtest/gtest.h>

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
  EXPECT_EQ(st.message, "no pids cgroup controller");
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
