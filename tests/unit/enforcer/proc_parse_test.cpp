// The /proc parsers of the compliance check, on fixture text: what the
// kernel prints, and what a missing or malformed field becomes (nothing, so
// that the check says unknown).
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "ringfence/enforcer/mountinfo.h"
#include "ringfence/enforcer/proc_parse.h"

namespace ringfence::enforcer {
namespace {

constexpr const char* kStatus =
    "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t100000\t100000\t100000\t100000\n"
    "Gid:\t100000\t100000\t100000\t100001\nGroups:\t \nCapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\n"
    "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000400\nNoNewPrivs:\t1\n"
    "Seccomp:\t2\nSeccomp_filters:\t1\n";

TEST(ProcParse, StatusFields) {
  const auto s = parse_status(kStatus);
  EXPECT_EQ(status_hex(s, "CapBnd"), 0xa80425fbu);
  EXPECT_EQ(status_hex(s, "CapAmb"), 0x400u);
  EXPECT_EQ(status_int(s, "NoNewPrivs"), 1);
  EXPECT_EQ(status_int(s, "Seccomp"), 2);
  EXPECT_EQ(status_int(s, "Seccomp_filters"), 1);
  const auto gid = status_ids(s, "Gid");
  ASSERT_TRUE(gid);
  EXPECT_EQ((*gid)[3], 100001u);
  ASSERT_TRUE(status_groups(s));
  EXPECT_TRUE(status_groups(s)->empty());
}

TEST(ProcParse, MissingOrMalformedFieldsAreEmptyNotZero) {
  // An old kernel without NoNewPrivs (before 4.10) or CapAmb (before 4.3).
  const auto s = parse_status("Name:\tx\nCapBnd:\tnothex\nUid:\t1 2 3\n");
  EXPECT_FALSE(status_int(s, "NoNewPrivs"));
  EXPECT_FALSE(status_hex(s, "CapAmb"));
  EXPECT_FALSE(status_hex(s, "CapBnd"));
  EXPECT_FALSE(status_ids(s, "Uid"));
}

TEST(ProcParse, IdMaps) {
  const auto m = parse_id_map("         0     100000      65536\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ(map_to_inside(*m, 100000), 0u);
  EXPECT_EQ(map_to_inside(*m, 165535), 65535u);
  EXPECT_FALSE(map_to_inside(*m, 165536));
  EXPECT_FALSE(map_to_inside(*m, 0));
  EXPECT_FALSE(is_identity_map(*m));
  const auto host = parse_id_map("         0          0 4294967295\n");
  ASSERT_TRUE(host);
  EXPECT_TRUE(is_identity_map(*host));
  EXPECT_FALSE(parse_id_map("0 1\n"));
}

TEST(ProcParse, LimitsByFixedColumns) {
  const char* text =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max core file size        0                    0                    bytes     \n"
      "Max open files            1024                 4096                 files     \n"
      "Max realtime timeout      unlimited            unlimited            us        \n";
  const auto l = parse_limits(text);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->at("Max open files").soft, 1024u);
  EXPECT_EQ(l->at("Max open files").hard, 4096u);
  EXPECT_EQ(l->at("Max core file size").hard, 0u);
  EXPECT_EQ(l->at("Max cpu time").soft, ~std::uint64_t{0});
  EXPECT_EQ(limits_row(RLIMIT_NOFILE), "Max open files");
  EXPECT_EQ(limits_row(RLIMIT_CORE), "Max core file size");
  EXPECT_FALSE(parse_limits("garbage"));
  // Columns in another order, or a title repeated after the units: not the
  // table of proc_pid_limits(5). Read as it was, a row threw out_of_range
  // from substr() (found by tests/fuzz/proc.cpp).
  EXPECT_FALSE(parse_limits("Limit  Hard Limit  Units  Soft Limit\nMax open files  1  2  3\n"));
  EXPECT_FALSE(parse_limits("Limit                     Units     Soft Limit           Hard Limit\n"
                            "Max open files            files     1024                 4096\n"));
}

TEST(ProcParse, CgroupAndNetDev) {
  const auto c = parse_proc_cgroup("8:pids:/ringfence/a\n4:memory:/ringfence/a\n0::/\n");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].controllers, "pids");
  EXPECT_EQ((*c)[0].path, "/ringfence/a");
  EXPECT_EQ((*c)[2].controllers, "");
  EXPECT_FALSE(parse_proc_cgroup("nonsense\n"));
  const auto n = parse_net_dev(
      "Inter-|   Receive                            |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets\n"
      "    lo:       0       0    0    0    0     0          0         0        0       0\n"
      "  eth0:     100       1    0    0    0     0          0         0        0       0\n");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, (std::vector<std::string>{"lo", "eth0"}));
}

TEST(ProcParse, MountinfoKeepsPropagationFields) {
  const auto m = parse_mountinfo(
      "22 1 8:1 / / ro,nosuid,relatime shared:1 master:2 - ext4 /dev/sda1 rw\n"
      "23 22 0:5 / /my\\040dir rw,nosuid,nodev - tmpfs tmpfs rw\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].optional, (std::vector<std::string>{"shared:1", "master:2"}));
  EXPECT_TRUE(m[0].has_option("ro"));
  EXPECT_EQ(m[0].super_options, "rw");
  EXPECT_EQ(m[1].mount_point, "/my dir");
  EXPECT_TRUE(m[1].optional.empty());
}

// /proc/PID/stat: the name may hold spaces and parentheses, so fields
// count from the last ')'. One parser serves the runtime's liveness check,
// audit check's reused-pid check and audit scan.
TEST(ProcParse, StatFieldsCountFromTheLastParenthesis) {
  std::string line = "4242 (a) b) (c) S 17";
  for (int field = 5; field < 22; ++field) line += " 0";
  line += " 987654 4096 12\n";
  const auto f = parse_stat(line);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'S');
  EXPECT_EQ(f->ppid, 17);
  EXPECT_EQ(f->start_time, 987654u);
  EXPECT_EQ(stat_start_time(line), 987654u);
  std::string zombie = line;
  zombie.replace(zombie.find(") S ") + 2, 1, "Z");
  ASSERT_TRUE(parse_stat(zombie));
  EXPECT_EQ(stat_start_time(zombie), 0u) << "a zombie has exited";
  EXPECT_FALSE(parse_stat("4242 (sleep) S 1 2 3"));
  EXPECT_FALSE(parse_stat("no parenthesis"));
  EXPECT_FALSE(parse_stat("4242 (sleep) S 99999999999 0"));
}

}  // namespace
}  // namespace ringfence::enforcer
