#include "ringfence/audit/kernel_record.h"

#include <gtest/gtest.h>

namespace ringfence::audit {
namespace {

TEST(KernelRecord, ASeccompRecordAsTheKernelWritesIt) {
  const auto r = parse_kernel_record(
      kKernelSeccomp,
      R"(audit(1796388615.443:46): auid=4294967295 uid=0 gid=0 ses=17 pid=23762 comm="probe" )"
      R"(exe="/tmp/auditprobe/probe" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7fa737ddb4f7 code=0x50000)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, kKernelSeccomp);
  EXPECT_EQ(r->time, "1796388615.443");
  EXPECT_EQ(r->serial, 46u);
  EXPECT_EQ(r->number("ses"), 17u);
  EXPECT_EQ(r->number("pid"), 23762u);
  EXPECT_EQ(*r->get("comm"), "probe");
  EXPECT_EQ(*r->get("exe"), "/tmp/auditprobe/probe");
  EXPECT_EQ(r->hex("arch"), 0xc000003eu);
  EXPECT_EQ(r->number("syscall"), 110u);
  EXPECT_EQ(r->hex("code"), 0x50000u);
  EXPECT_EQ(r->get("missing"), nullptr);
  EXPECT_FALSE(r->number("comm"));
}

// A program chooses its own name: the kernel writes one with a space or a
// quote in hexadecimal, and it must come back as the name, never as fields.
TEST(KernelRecord, ANameInHexadecimalIsDecodedAndCannotForgeAField) {
  // comm = "x pid=1" in hex.
  const auto r = parse_kernel_record(kKernelSeccomp, "audit(1.000:2): ses=5 pid=40 comm=78207069643D31 exe=\"/bin/x\"");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->get("comm"), "x pid=1");
  EXPECT_EQ(r->number("pid"), 40u);
  // A name neither quoted nor hexadecimal is not the kernel's: dropped.
  const auto bad = parse_kernel_record(kKernelSeccomp, "audit(1.000:3): pid=41 comm=zz pid=1");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->get("comm"), nullptr);
  EXPECT_EQ(bad->number("pid"), 41u) << "the first pid is the kernel's";
}

TEST(KernelRecord, LandlockAndUserMessages) {
  const auto access = parse_kernel_record(
      kKernelLandlockAccess,
      R"(audit(1796388749.699:50): domain=18fbd2834 blockers=fs.read_file path="/etc/hostname" dev="vda" ino=733)");
  ASSERT_TRUE(access);
  EXPECT_EQ(*access->get("domain"), "18fbd2834");
  EXPECT_EQ(*access->get("blockers"), "fs.read_file");
  EXPECT_EQ(*access->get("path"), "/etc/hostname");
  const auto user = parse_kernel_record(
      1005, "audit(5.5:9): pid=3 uid=0 auid=0 ses=2 msg='ringfence: sandbox a b stopped (pid 3, 1)'");
  ASSERT_TRUE(user);
  EXPECT_EQ(*user->get("msg"), "ringfence: sandbox a b stopped (pid 3, 1)");
}

// AppArmor's and SELinux's decisions as the kernel's LSM audit helper
// writes them (type 1400), the profile name in hexadecimal when it holds a
// space; SELinux's verdict and permissions, which are not key=value, kept
// as `avc` and `permissions`.
TEST(KernelRecord, AppArmorAndSELinuxDecisions) {
  const auto aa = parse_kernel_record(
      kKernelAvc, R"(audit(1700000000.123:77): apparmor="DENIED" operation="open" class="file" )"
                  R"(profile=72696E6766656E63652D77656220636F6E66696E6564 name="/etc/shadow" pid=4242 comm="cat" )"
                  R"(requested_mask="r" denied_mask="r" fsuid=100000 ouid=0)");
  ASSERT_TRUE(aa);
  EXPECT_EQ(*aa->get("apparmor"), "DENIED");
  EXPECT_EQ(*aa->get("operation"), "open");
  EXPECT_EQ(*aa->get("profile"), "ringfence-web confined");
  EXPECT_EQ(*aa->get("name"), "/etc/shadow");
  EXPECT_EQ(aa->number("pid"), 4242u);
  EXPECT_EQ(*aa->get("denied_mask"), "r");

  const auto se = parse_kernel_record(
      kKernelAvc, R"(audit(1700000000.456:78): avc:  denied  { read write } for  pid=4243 comm="cat" )"
                  R"(name="shadow" dev="vda" ino=133 scontext=system_u:system_r:container_t:s0:c1,c2 )"
                  R"(tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0)");
  ASSERT_TRUE(se);
  EXPECT_EQ(*se->get("avc"), "denied");
  EXPECT_EQ(*se->get("permissions"), "read write");
  EXPECT_EQ(se->number("pid"), 4243u);
  EXPECT_EQ(*se->get("name"), "shadow");
  EXPECT_EQ(*se->get("scontext"), "system_u:system_r:container_t:s0:c1,c2");
  EXPECT_EQ(*se->get("tclass"), "file");
  EXPECT_EQ(*se->get("permissive"), "0");
  // A brace never closed: the record was cut, nothing after it is trusted.
  const auto cut = parse_kernel_record(kKernelAvc, "audit(1.0:5): avc:  denied  { read pid=1");
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->get("permissions"), nullptr);
  EXPECT_EQ(cut->get("pid"), nullptr);
}

TEST(KernelRecord, TextThatIsNotARecordIsRefused) {
  EXPECT_FALSE(parse_kernel_record(1326, ""));
  EXPECT_FALSE(parse_kernel_record(1326, "pid=1 comm=\"x\""));
  EXPECT_FALSE(parse_kernel_record(1326, "audit(1.0:x): pid=1"));
  EXPECT_FALSE(parse_kernel_record(1326, "audit(1.0:5) pid=1"));
  // Cut in the middle of a quoted value: what came before is kept.
  const auto cut = parse_kernel_record(1326, "audit(1.0:5): pid=1 exe=\"/bin/s");
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->number("pid"), 1u);
  EXPECT_EQ(cut->get("exe"), nullptr);
}

}  // namespace
}  // namespace ringfence::audit
