#include <gtest/gtest.h>

#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

TEST(ByteSize, DockerSpellings) {
  EXPECT_EQ(parse_byte_size("1048576"), 1048576);
  EXPECT_EQ(parse_byte_size("64k"), 64 * 1024);
  EXPECT_EQ(parse_byte_size("64M"), 64 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("64mb"), 64 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("64MiB"), 64 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1.5g"), 1536LL * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("0"), 0);
}

TEST(ByteSize, RejectsNonsense) {
  for (const char* bad : {"", "-1", "1x", "M", "1.2.3", "1 M", "1e9", "99999999999p", "0x10"})
    EXPECT_FALSE(parse_byte_size(bad)) << bad;
}

TEST(ByteSize, FormatsExactMultiplesShort) {
  EXPECT_EQ(format_byte_size(64 * 1024 * 1024), "64M");
  EXPECT_EQ(format_byte_size(1536), "1536");
  EXPECT_EQ(format_byte_size(0), "0");
}

TEST(Numbers, Octal) {
  EXPECT_EQ(parse_octal("0755"), 0755u);
  EXPECT_EQ(parse_octal("0o022"), 022u);
  EXPECT_FALSE(parse_octal("0758"));
  EXPECT_FALSE(parse_octal(""));
}

TEST(Numbers, U64) {
  EXPECT_EQ(parse_u64("0xffffffff"), 0xffffffffULL);
  EXPECT_EQ(parse_u64("-1"), ~0ULL);
  EXPECT_EQ(parse_u64("42"), 42u);
  EXPECT_FALSE(parse_u64("0x"));
  EXPECT_FALSE(parse_u64("12a"));
}

TEST(Names, Capabilities) {
  EXPECT_EQ(capability_from_name("NET_ADMIN"), 12);
  EXPECT_EQ(capability_from_name("CAP_NET_ADMIN"), 12);
  EXPECT_EQ(capability_from_name("net_admin"), 12);
  EXPECT_FALSE(capability_from_name("NET_ADMN"));
  EXPECT_FALSE(capability_from_name("CAP_"));
  EXPECT_FALSE(capability_from_name("cap_chown_"));
  EXPECT_FALSE(capability_from_name(std::string(100, 'a')));
  EXPECT_EQ(capability_name(21), "CAP_SYS_ADMIN");
  // Every capability libcap-ng names reads back, the first and the last too.
  for (int cap = 0; cap <= last_capability(); ++cap) {
    EXPECT_EQ(capability_from_name(capability_name(cap)), cap) << capability_name(cap);
    EXPECT_EQ(capability_from_name(capability_name(cap).substr(4)), cap) << capability_name(cap);
  }
}

TEST(Names, SyscallsAndErrnos) {
  EXPECT_TRUE(syscall_known("mkdir"));
  EXPECT_TRUE(syscall_known("chown32")) << "x86-only names are known";
  EXPECT_FALSE(syscall_known("mkdri"));
  EXPECT_EQ(errno_from_name("EPERM"), 1);
  EXPECT_EQ(errno_from_name("enosys"), 38);
  EXPECT_EQ(errno_name(13), "EACCES");
}

TEST(Names, NearestSuggestsOnlyPlausibleTypos) {
  EXPECT_EQ(nearest("capabilties", {"capabilities", "seccomp"}), "capabilities");
  EXPECT_EQ(nearest("xyz", {"capabilities", "seccomp"}), std::nullopt);
  EXPECT_EQ(did_you_mean("mkdri", {"mkdir", "rmdir"}), " (did you mean 'mkdir'?)");
}

}  // namespace
}  // namespace ringfence::policy
