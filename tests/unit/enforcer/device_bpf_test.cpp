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
#include "ringfence/enforcer/verify.h"

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

// The rules of ALaterRuleOverridesAnEarlierOne (below): everything denied,
// then null allowed, zero allowed for reading and denied again, every
// character device may be made.
policy::DeviceCgroupParams overriding_rules() {
  policy::DeviceCgroupParams rules;
  rules.rules = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}, {true, 'c', 1, 5, "r"},
                 {false, 'c', 1, 5, "rwm"}, {true, 'c', -1, -1, "m"}};
  return rules;
}

// The program run on accesses, as the kernel would run it, answers as the
// rules read: the last matching rule decides.
TEST(DeviceProgram, RunsAsItsRulesRead) {
  const auto p = device_program(overriding_rules());
  auto allows = [&](char type, char access, int major, int minor) {
    return device_program_allows(p, {type, access, major, minor});
  };
  EXPECT_EQ(allows('c', 'r', 1, 3), true);
  EXPECT_EQ(allows('c', 'w', 1, 3), true);
  EXPECT_EQ(allows('c', 'r', 1, 5), false) << "zero's later deny wins";
  EXPECT_EQ(allows('c', 'm', 1, 5), true) << "every character device may be made";
  EXPECT_EQ(allows('b', 'm', 8, 0), false);
  EXPECT_EQ(allows('b', 'r', 1, 3), false) << "null's rule is for a character device";
  EXPECT_EQ(allows('c', 'r', 4242, 4242), false);
}

TEST(DeviceProgram, InstructionsItCannotRunAreUnknown) {
  auto p = device_program(overriding_rules());
  bpf_insn call{};
  call.code = BPF_JMP | BPF_CALL;
  call.imm = 14;  // bpf_get_current_pid_tgid
  p.insert(p.begin(), call);
  EXPECT_EQ(device_program_allows(p, {'c', 'r', 1, 3}), std::nullopt);
  EXPECT_EQ(device_program_allows({}, {'c', 'r', 1, 3}), std::nullopt) << "no exit";
}

// audit check on cgroup v2: the programs in force, read from the kernel,
// judged against the plan's rules.
TEST(DeviceProgram, TheCheckJudgesTheProgramsInForce) {
  ProcessFacts f;
  f.cgroup_version = 2;
  const auto rules = overriding_rules();
  f.device_programs = std::vector<std::vector<bpf_insn>>{device_program(rules)};
  auto v = verify_device_rules(rules, f);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].holds, Holds::Yes) << v[0].observed;

  auto looser = rules;
  looser.rules.push_back({true, 'b', 8, 0, "rw"});
  f.device_programs = std::vector<std::vector<bpf_insn>>{device_program(looser)};
  v = verify_device_rules(rules, f);
  EXPECT_EQ(v[0].holds, Holds::No);
  EXPECT_NE(v[0].observed.find("b 8:0 r allowed"), std::string::npos) << v[0].observed;

  // Two programs in force (an ancestor's too): each must allow.
  f.device_programs = std::vector<std::vector<bpf_insn>>{device_program(looser), device_program(rules)};
  EXPECT_EQ(verify_device_rules(rules, f)[0].holds, Holds::Yes);

  f.device_programs = std::vector<std::vector<bpf_insn>>{};
  EXPECT_EQ(verify_device_rules(rules, f)[0].holds, Holds::No) << "no program: every device opens";
  f.device_programs.reset();
  f.device_programs_unreadable = "Operation not permitted";
  EXPECT_EQ(verify_device_rules(rules, f)[0].holds, Holds::Unknown);
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
  // zero allowed, then denied again: the later rule wins.
  ASSERT_TRUE(attach_device_program(dir_, overriding_rules()).ok());
  EXPECT_EQ(probe(dir_) & 3, 3);
}

// What the kernel keeps of the program (after its verifier) is read back
// and judged as audit check judges it: the same answers as the rules.
TEST_F(DeviceCgroup, TheProgramInForceIsReadBackAndJudged) {
  const auto rules = overriding_rules();
  ASSERT_TRUE(attach_device_program(dir_, rules).ok());
  auto programs = device_programs_in_force(dir_);
  ASSERT_TRUE(programs.ok()) << programs.status().message;
  ASSERT_GE(programs->size(), 1u);
  ProcessFacts f;
  f.cgroup_version = 2;
  f.device_programs = *programs;
  auto v = verify_device_rules(rules, f);
  EXPECT_EQ(v[0].holds, Holds::Yes) << v[0].observed;
  auto other = rules;
  other.rules.push_back({true, 'c', 1, 5, "r"});
  v = verify_device_rules(other, f);
  EXPECT_EQ(v[0].holds, Holds::No) << "the plan allows zero; the program in force does not";
  EXPECT_NE(v[0].observed.find("c 1:5 r denied"), std::string::npos) << v[0].observed;
}

TEST_F(DeviceCgroup, WithoutTheProgramEverythingOpens) {
  // The control: the same probe in a cgroup with no program.
  EXPECT_EQ(probe(dir_) & 2, 0) << "/dev/zero opens when no rule forbids it";
}

}  // namespace
}  // namespace ringfence::enforcer
