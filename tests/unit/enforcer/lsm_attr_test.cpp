// LSM labels are written only to an attribute file that is on procfs: a
// fake /proc (a file in a rootfs or a volume) must not take the write and
// leave the program unconfined (CVE-2019-16884, CVE-2025-52881).
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ringfence/enforcer/lsm.h"

namespace ringfence::enforcer {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LsmAttr, AFileThatIsNotOnProcfsIsRefusedAndUntouched) {
  char dir[] = "/tmp/ringfence-lsm-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string fake = std::string(dir) + "/exec";
  { std::ofstream(fake) << ""; }
  const Status st = write_proc_attr(fake, "exec my-profile");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.err, EXDEV) << st.message;
  EXPECT_EQ(read_all(fake), "") << "the label went to a plain file";
  unlink(fake.c_str());
  rmdir(dir);
}

TEST(LsmAttr, ASymlinkedAttributeFileIsRefused) {
  char dir[] = "/tmp/ringfence-lsm-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string link = std::string(dir) + "/exec";
  ASSERT_EQ(symlink("/proc/thread-self/comm", link.c_str()), 0);
  EXPECT_FALSE(write_proc_attr(link, "x").ok()) << "a final symlink must not be followed";
  unlink(link.c_str());
  rmdir(dir);
}

// The same code writes to a real procfs file (comm is writable by its
// thread): the check does not refuse what it must let through.
TEST(LsmAttr, AProcfsFileIsWritten) {
  char before[16] = {};
  prctl(PR_GET_NAME, before);
  ASSERT_TRUE(write_proc_attr("/proc/thread-self/comm", "rf-lsm-test").ok());
  char now[16] = {};
  prctl(PR_GET_NAME, now);
  EXPECT_STREQ(now, "rf-lsm-test");
  prctl(PR_SET_NAME, before);
}

}  // namespace
}  // namespace ringfence::enforcer
