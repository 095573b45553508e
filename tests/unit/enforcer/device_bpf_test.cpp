// The cgroup v2 device program, loaded into the kernel and attached to a
// real cgroup v2 directory (on this hybrid machine, the unified hierarchy):
// a process in that cgroup may open what the rules allow and nothing else.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "ringfence/enforcer/device_bpf.h"

namespace ringfence::enforcer {
namespace {

std::string cgroup2_mount() {
  for (const char* p : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs fs {};
    if (statfs(p, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return p;
  }
  return "";
}

TEST(DeviceProgram, EndsDenyingAndTestsTheLastRuleFirst) {
  policy::DeviceCgroupParams rules;
  rules.rules = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}};
  const auto p = device_program(rules);
  ASSERT_GE(p.size(), 8u);
  EXPECT_EQ(p.back().code, BPF_JMP | BPF_EXIT);
  EXPECT_EQ(p[p.size() - 2].imm, 0) << "nothing matching is denied";
}

class DeviceCgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "loading BPF and making cgroups needs root";
    const std::string mount = cgroup2_mount();
    if (mount.empty()) GTEST_SKIP() << "no cgroup v2 hierarchy is mounted";
    dir_ = mount + "/ringfence-devtest-" + std::to_string(getpid());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0) << dir_;
  }
  void TearDown() override {
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  std::string dir_;
};

// In a child moved into the cgroup: bit 0 set if /dev/null opened, bit 1 if
// /dev/zero was refused with EPERM, bit 2 if a node made with mknod for
// /dev/full (allowed by "m") cannot be opened.
int probe(const std::string& dir) {
  int go[2];
  if (pipe(go) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(go[1]);
    if (read(go[0], &c, 1) != 1) _exit(100);
    int result = 0;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
      result |= 1;
      close(fd);
    }
    fd = open("/dev/zero", O_RDONLY);
    if (fd < 0 && errno == EPERM) result |= 2;
    if (fd >= 0) close(fd);
    char node[] = "/tmp/rf-devtest-node-XXXXXX";
    const int tmp = mkstemp(node);
    if (tmp >= 0) {
      close(tmp);
      unlink(node);
      if (mknod(node, S_IFCHR | 0600, makedev(1, 7)) == 0) {
        fd = open(node, O_RDONLY);
        if (fd < 0 && errno == EPERM) result |= 4;
        if (fd >= 0) close(fd);
        unlink(node);
      }
    }
    _exit(result);
  }
  close(go[0]);
  { std::ofstream(dir + "/cgroup.procs") << pid; }
  (void)!write(go[1], "x", 1);
  close(go[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(DeviceCgroup, OnlyAllowedDevicesOpen) {
  policy::DeviceCgroupParams rules;
  rules.rules = {{false, 'a', -1, -1, "rwm"}, {true, 'c', -1, -1, "m"}, {true, 'c', 1, 3, "rwm"}};
  const Status st = attach_device_program(dir_, rules);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(probe(dir_), 1 | 2 | 4);
}

TEST_F(DeviceCgroup, ALaterRuleOverridesAnEarlierOne) {
  policy::DeviceCgroupParams rules;
  // zero allowed, then denied again: the later rule wins.
  rules.rules = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 5, "r"},
                 {false, 'c', 1, 5, "rwm"}, {true, 'c', -1, -1, "m"}};
  ASSERT_TRUE(attach_device_program(dir_, rules).ok());
  EXPECT_EQ(probe(dir_) & 3, 3);
}

TEST_F(DeviceCgroup, WithoutTheProgramEverythingOpens) {
  // The control: the same probe in a cgroup with no program.
  EXPECT_EQ(probe(dir_) & 2, 0) << "/dev/zero opens when no rule forbids it";
}

}  // namespace
}  // namespace ringfence::enforcer
