// The user-space cBPF interpreter (bpf_run) and checker (bpf_check).
//
// Expected results come from two places: the cBPF semantics written out
// here in plain C++, and — where the kernel lets an unprivileged process
// load a filter — the kernel itself, running the same program on a real
// syscall in a child process.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <initializer_list>

#include "seccomp_test_support.h"

namespace ringfence::test {
namespace {

using enforcer::BpfProgram;

constexpr std::uint32_t kNr = offsetof(seccomp_data, nr);
constexpr std::uint32_t kArch = offsetof(seccomp_data, arch);
constexpr std::uint32_t arg_lo(int i) { return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * i); }
constexpr std::uint32_t arg_hi(int i) { return arg_lo(i) + 4; }  // little-endian: the high half second

BpfProgram prog(std::initializer_list<sock_filter> insns) { return BpfProgram{std::vector<sock_filter>(insns)}; }

sock_filter ret_k(std::uint32_t k) { return BPF_STMT(BPF_RET | BPF_K, k); }
sock_filter ret_a() { return BPF_STMT(BPF_RET | BPF_A, 0); }
sock_filter ld_abs(std::uint32_t off) { return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off); }
sock_filter ld_imm(std::uint32_t k) { return BPF_STMT(BPF_LD | BPF_IMM, k); }
sock_filter ldx_imm(std::uint32_t k) { return BPF_STMT(BPF_LDX | BPF_IMM, k); }
sock_filter alu_k(std::uint16_t op, std::uint32_t k) { return BPF_STMT(BPF_ALU | op | BPF_K, k); }
sock_filter alu_x(std::uint16_t op) { return BPF_STMT(BPF_ALU | op | BPF_X, 0); }
sock_filter jmp_k(std::uint16_t op, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return BPF_JUMP(BPF_JMP | op | BPF_K, k, jt, jf);
}

seccomp_data sample() {
  return syscall_data(AUDIT_ARCH_X86_64, 39, Args{0x1122334455667788, 2, 0xffffffff00000001, 0, 0, 6});
}

std::optional<enforcer::BpfResult> run(const BpfProgram& p, const seccomp_data& d = sample(),
                                       std::string* e = nullptr) {
  return enforcer::bpf_run(p, d, e);
}

std::uint32_t ret_of(const BpfProgram& p, const seccomp_data& d = sample()) {
  std::string error;
  auto r = enforcer::bpf_run(p, d, &error);
  EXPECT_TRUE(r) << error;
  EXPECT_TRUE(enforcer::bpf_check(p, &error)) << error;
  return r ? r->ret : 0xdeadbeef;
}

// ------------------------------------------------------------ returns, loads
TEST(BpfRun, ReturnsTheConstantOrTheAccumulator) {
  EXPECT_EQ(ret_of(prog({ret_k(SECCOMP_RET_ALLOW)})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(ret_of(prog({ret_k(SECCOMP_RET_ERRNO | 13)})), SECCOMP_RET_ERRNO | 13);
  EXPECT_EQ(ret_of(prog({ld_imm(0x12345), ret_a()})), 0x12345u);
  const auto r = run(prog({ld_imm(1), ld_imm(2), ret_k(7)}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->executed, 3u);
}

TEST(BpfRun, LoadsEveryFieldOfSeccompData) {
  const seccomp_data d = sample();
  EXPECT_EQ(ret_of(prog({ld_abs(kNr), ret_a()}), d), 39u);
  EXPECT_EQ(ret_of(prog({ld_abs(kArch), ret_a()}), d), AUDIT_ARCH_X86_64);
  EXPECT_EQ(ret_of(prog({ld_abs(arg_lo(0)), ret_a()}), d), 0x55667788u);
  EXPECT_EQ(ret_of(prog({ld_abs(arg_hi(0)), ret_a()}), d), 0x11223344u);
  EXPECT_EQ(ret_of(prog({ld_abs(arg_hi(2)), ret_a()}), d), 0xffffffffu);
  EXPECT_EQ(ret_of(prog({ld_abs(arg_lo(5)), ret_a()}), d), 6u);
  EXPECT_EQ(ret_of(prog({ld_abs(offsetof(seccomp_data, instruction_pointer)), ret_a()}), d), 0x00001000u);
  EXPECT_EQ(ret_of(prog({BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), ret_a()}), d), sizeof(seccomp_data));
  EXPECT_EQ(ret_of(prog({BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0), ret_a()}), d),
            sizeof(seccomp_data));
}

TEST(BpfRun, LoadsOutsideSeccompDataAreRefused) {
  // 0xfffffffc + 4 wraps to 0 in 32 bits: the check must not add first.
  for (std::uint32_t off : {64u, 68u, 2u, 0xfffffffcu, 0xfffffff0u}) {
    SCOPED_TRACE(off);
    const BpfProgram p = prog({ld_abs(off), ret_a()});
    std::string error;
    EXPECT_FALSE(run(p, sample(), &error));
    EXPECT_NE(error.find("outside seccomp_data"), std::string::npos) << error;
    EXPECT_FALSE(enforcer::bpf_check(p));
  }
  // Only 32-bit loads: seccomp refuses half-word and byte loads.
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), ret_a()})));
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), ret_a()})));
  // Packet-relative loads have no meaning for seccomp.
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), ret_a()})));
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), ret_a()})));
}

TEST(BpfRun, ScratchMemoryMustBeWrittenBeforeItIsRead) {
  EXPECT_EQ(ret_of(prog({ld_imm(5), BPF_STMT(BPF_ST, 3), ld_imm(9), BPF_STMT(BPF_LD | BPF_MEM, 3), ret_a()})), 5u);
  EXPECT_EQ(ret_of(prog({ldx_imm(6), BPF_STMT(BPF_STX, 15), BPF_STMT(BPF_LDX | BPF_MEM, 15),
                         BPF_STMT(BPF_MISC | BPF_TXA, 0), ret_a()})),
            6u);
  std::string error;
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_LD | BPF_MEM, 3), ret_a()}), sample(), &error));
  EXPECT_NE(error.find("before it is written"), std::string::npos) << error;
  EXPECT_FALSE(run(prog({ld_imm(1), BPF_STMT(BPF_ST, 16), ret_a()})));
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_LD | BPF_MEM, 16), ret_a()})));
}

// ------------------------------------------------------------ jumps
TEST(BpfRun, ConditionalJumpsCompareWithKOrX) {
  // A = 10 (args[1] low word is 2; nr is 39). Each jump returns 1 if taken, 2 if not.
  struct Case {
    std::uint16_t op;
    std::uint32_t k;
    bool taken;
  };
  const Case cases[] = {
      {BPF_JEQ, 39, true}, {BPF_JEQ, 38, false}, {BPF_JGT, 38, true},    {BPF_JGT, 39, false},
      {BPF_JGE, 39, true}, {BPF_JGE, 40, false}, {BPF_JSET, 0x21, true}, {BPF_JSET, 0x18, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(fmt::format("op {:#x} k {}", c.op, c.k));
    EXPECT_EQ(ret_of(prog({ld_abs(kNr), jmp_k(c.op, c.k, 0, 1), ret_k(1), ret_k(2)})), c.taken ? 1u : 2u);
    // The same with the operand in X.
    EXPECT_EQ(ret_of(prog({ldx_imm(c.k), ld_abs(kNr), BPF_JUMP(BPF_JMP | c.op | BPF_X, 0, 0, 1), ret_k(1), ret_k(2)})),
              c.taken ? 1u : 2u);
  }
  // Comparisons are unsigned.
  EXPECT_EQ(ret_of(prog({ld_imm(0xffffffff), jmp_k(BPF_JGT, 1, 0, 1), ret_k(1), ret_k(2)})), 1u);
}

TEST(BpfRun, JumpsSkipForwardAndCountOnlyWhatRuns) {
  const BpfProgram p = prog({
      ld_abs(kNr),                    // 0
      jmp_k(BPF_JEQ, 39, 2, 0),       // 1: nr 39 -> 4
      BPF_STMT(BPF_JMP | BPF_JA, 2),  // 2: -> 5
      ret_k(100),                     // 3
      ret_k(200),                     // 4
      ret_k(300),                     // 5
  });
  auto r = run(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ret, 200u);
  EXPECT_EQ(r->executed, 3u);
  r = run(p, syscall_data(AUDIT_ARCH_X86_64, 40));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ret, 300u);
  EXPECT_EQ(r->executed, 4u);
}

TEST(BpfRun, AJumpPastTheEndIsRefused) {
  std::string error;
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_JMP | BPF_JA, 1), ret_k(0)}), sample(), &error));
  EXPECT_NE(error.find("past the end"), std::string::npos) << error;
  // The branch not taken counts too: the kernel checks both at load time.
  EXPECT_FALSE(run(prog({ld_abs(kNr), jmp_k(BPF_JEQ, 39, 0, 5), ret_k(0)})));
  EXPECT_FALSE(run(prog({ld_abs(kNr), jmp_k(BPF_JEQ, 39, 5, 0), ret_k(0)})));
  // A jump to the last instruction is fine.
  EXPECT_EQ(ret_of(prog({ld_abs(kNr), jmp_k(BPF_JEQ, 39, 1, 1), ret_k(0), ret_k(4)})), 4u);
  // A huge JA offset must not wrap around either.
  EXPECT_FALSE(run(prog({BPF_STMT(BPF_JMP | BPF_JA, 0xffffffff), ret_k(0)})));
}

TEST(BpfRun, AProgramWithoutReturnIsRefused) {
  std::string error;
  EXPECT_FALSE(run(prog({ld_abs(kNr), alu_k(BPF_ADD, 1)}), sample(), &error));
  EXPECT_NE(error.find("without returning"), std::string::npos) << error;
  EXPECT_FALSE(enforcer::bpf_check(prog({ld_abs(kNr), alu_k(BPF_ADD, 1)})));
  // A return that is reached but is not last: the kernel still refuses it.
  EXPECT_FALSE(enforcer::bpf_check(prog({ret_k(0), ld_abs(kNr)})));
  EXPECT_FALSE(run(BpfProgram{}));
  EXPECT_FALSE(enforcer::bpf_check(BpfProgram{}, &error));
}

// ------------------------------------------------------------ ALU
TEST(BpfRun, AluOperationsWithKAndX) {
  const std::uint32_t a = 0x80000007, k = 3;
  struct Case {
    std::uint16_t op;
    std::uint32_t expected;
  };
  const Case cases[] = {
      {BPF_ADD, a + k}, {BPF_SUB, a - k}, {BPF_MUL, a * k},  {BPF_DIV, a / k},  {BPF_AND, a & k},
      {BPF_OR, a | k},  {BPF_XOR, a ^ k}, {BPF_LSH, a << k}, {BPF_RSH, a >> k},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(fmt::format("op {:#x}", c.op));
    EXPECT_EQ(ret_of(prog({ld_imm(a), alu_k(c.op, k), ret_a()})), c.expected);
    EXPECT_EQ(ret_of(prog({ldx_imm(k), ld_imm(a), alu_x(c.op), ret_a()})), c.expected);
  }
  EXPECT_EQ(ret_of(prog({ld_imm(5), BPF_STMT(BPF_ALU | BPF_NEG, 0), ret_a()})), 0xfffffffbu);
  // Arithmetic wraps at 32 bits.
  EXPECT_EQ(ret_of(prog({ld_imm(0xffffffff), alu_k(BPF_ADD, 2), ret_a()})), 1u);
  // TAX / TXA move between the registers.
  EXPECT_EQ(ret_of(prog({ld_imm(7), BPF_STMT(BPF_MISC | BPF_TAX, 0), ld_imm(1), alu_x(BPF_ADD), ret_a()})), 8u);
}

TEST(BpfRun, DivisionByZero) {
  // A constant zero divisor never loads.
  EXPECT_FALSE(run(prog({ld_imm(1), alu_k(BPF_DIV, 0), ret_a()})));
  // A zero X ends the program with 0, SECCOMP_RET_KILL_THREAD, as the
  // kernel's translation of classic BPF does.
  const auto r = run(prog({ld_imm(1), ldx_imm(0), alu_x(BPF_DIV), ret_k(SECCOMP_RET_ALLOW)}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ret, SECCOMP_RET_KILL_THREAD);
}

TEST(BpfRun, OpcodesSeccompRefusesAreRefused) {
  for (const sock_filter& insn : {
           alu_k(BPF_MOD, 3),                          // classic BPF has it, seccomp does not
           BPF_STMT(BPF_RET | BPF_X, 0),               // return X
           BPF_STMT(BPF_MISC | 0x40, 0),               // no such MISC op
           BPF_STMT(BPF_LDX | BPF_W | BPF_ABS, 0),     // X cannot load from the data
           alu_k(BPF_LSH, 32),                         // a constant shift of 32
           BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0),     // NEG takes no operand
           BPF_JUMP(BPF_JMP | 0x50 | BPF_K, 0, 0, 0),  // JNE is eBPF only
       }) {
    SCOPED_TRACE(fmt::format("opcode {:#x}", insn.code));
    const BpfProgram p = prog({ld_imm(1), ldx_imm(1), insn, ret_k(0), ret_k(0)});
    std::string error;
    EXPECT_FALSE(run(p, sample(), &error));
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(enforcer::bpf_check(p));
  }
}

TEST(BpfCheck, RefusesProgramsLongerThanTheKernelTakes) {
  BpfProgram p;
  p.insns.assign(BPF_MAXINSNS - 1, ld_imm(0));
  p.insns.push_back(ret_k(0));
  EXPECT_TRUE(enforcer::bpf_check(p));
  p.insns.insert(p.insns.begin(), ld_imm(0));
  std::string error;
  EXPECT_FALSE(enforcer::bpf_check(p, &error));
  EXPECT_NE(error.find("4096"), std::string::npos) << error;
}

// ------------------------------------------------------------ against the kernel
// Loads `p` in a child (no_new_privs lets an unprivileged process do it) and
// makes syscall `nr` with `args`. Returns the seccomp() result (0 or an
// errno) and, when loaded, the errno or 0 that the syscall returned.
struct KernelRun {
  int load_errno = 0;
  int syscall_errno = 0;
  bool killed = false;  // by SIGSYS, before it could report
};

std::optional<KernelRun> kernel_run(const BpfProgram& p, long nr, const Args& args) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    close(fds[0]);
    KernelRun out;
    sock_fprog fprog{static_cast<unsigned short>(p.insns.size()), const_cast<sock_filter*>(p.insns.data())};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
      out.load_errno = errno;
    } else {
      const long rc = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
      out.syscall_errno = rc == -1 ? errno : 0;
    }
    // The filter allows write and exit_group (see below).
    if (write(fds[1], &out, sizeof out) != sizeof out) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  KernelRun out;
  const bool got = read(fds[0], &out, sizeof out) == sizeof out;
  close(fds[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return std::nullopt;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) return KernelRun{0, 0, true};
  if (!got) return std::nullopt;
  return out;
}

// For syscall getppid (with whatever arguments) the program computes an
// errno from the arguments; every other syscall is allowed.
BpfProgram errno_from_args(std::initializer_list<sock_filter> compute) {
  BpfProgram p = prog({ld_abs(kArch), jmp_k(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0), ret_k(SECCOMP_RET_ALLOW), ld_abs(kNr),
                       jmp_k(BPF_JEQ, SYS_getppid, 1, 0), ret_k(SECCOMP_RET_ALLOW)});
  p.insns.insert(p.insns.end(), compute);
  // errno = 0x800 | (A & 0x7ff): never 0, never above the kernel's MAX_ERRNO.
  for (const sock_filter& in : {alu_k(BPF_AND, 0x7ff), alu_k(BPF_OR, SECCOMP_RET_ERRNO | 0x800), ret_a()})
    p.insns.push_back(in);
  return p;
}

TEST(BpfRun, AgreesWithTheKernel) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the programs test for x86_64";
#endif
  const auto trivial = kernel_run(prog({ret_k(SECCOMP_RET_ALLOW)}), SYS_getppid, {});
  if (!trivial || trivial->load_errno != 0) GTEST_SKIP() << "this process cannot load a seccomp filter";

  const Args args{0x1234567890abcdef, 0xfedcba9876543210, 77, 0x80000000, 0, 0xffffffffffffffff};
  const std::vector<std::pair<const char*, BpfProgram>> programs = {
      {"add", errno_from_args({ld_abs(arg_lo(0)), alu_k(BPF_ADD, 0x777)})},
      {"sub x",
       errno_from_args({ld_abs(arg_lo(2)), BPF_STMT(BPF_MISC | BPF_TAX, 0), ld_abs(arg_hi(1)), alu_x(BPF_SUB)})},
      {"mul div", errno_from_args({ld_abs(arg_lo(1)), alu_k(BPF_MUL, 3), alu_k(BPF_DIV, 7)})},
      {"shifts", errno_from_args({ld_abs(arg_hi(0)), alu_k(BPF_RSH, 13), alu_k(BPF_LSH, 2)})},
      {"shift x", errno_from_args({ldx_imm(35), ld_abs(arg_lo(0)), alu_x(BPF_LSH)})},
      {"neg xor", errno_from_args({ld_abs(arg_lo(2)), BPF_STMT(BPF_ALU | BPF_NEG, 0), alu_k(BPF_XOR, 0x5a5)})},
      {"div by zero x", errno_from_args({ld_abs(arg_lo(2)), ldx_imm(0), alu_x(BPF_DIV)})},
      {"mem", errno_from_args(
                  {ld_abs(arg_hi(5)), BPF_STMT(BPF_ST, 0), ld_imm(3), BPF_STMT(BPF_LDX | BPF_MEM, 0), alu_x(BPF_AND)})},
      {"jumps", errno_from_args({ld_abs(arg_lo(3)), jmp_k(BPF_JSET, 0x80000000, 0, 2), jmp_k(BPF_JGE, 0x80000000, 0, 1),
                                 BPF_STMT(BPF_JMP | BPF_JA, 1), ld_imm(0), alu_k(BPF_ADD, 11)})},
  };
  for (const auto& [name, p] : programs) {
    SCOPED_TRACE(name);
    std::string error;
    ASSERT_TRUE(enforcer::bpf_check(p, &error)) << error;
    const auto kernel = kernel_run(p, SYS_getppid, args);
    ASSERT_TRUE(kernel);
    ASSERT_EQ(kernel->load_errno, 0) << std::strerror(kernel->load_errno);
    const seccomp_data d = syscall_data(AUDIT_ARCH_X86_64, SYS_getppid, args);
    const auto ours = enforcer::bpf_run(p, d, &error);
    ASSERT_TRUE(ours) << error;
    // A KILL_THREAD answer kills the (single-threaded) child with SIGSYS.
    EXPECT_EQ(kernel->killed, ours->ret == SECCOMP_RET_KILL_THREAD) << ret_name(ours->ret);
    if (kernel->killed) continue;
    ASSERT_EQ(enforcer::ret_action(ours->ret), SECCOMP_RET_ERRNO) << ret_name(ours->ret);
    EXPECT_EQ(static_cast<std::uint32_t>(kernel->syscall_errno), enforcer::ret_data(ours->ret));
  }

  // Programs bpf_check refuses, the kernel refuses too.
  for (const BpfProgram& bad :
       {prog({ld_abs(64), ret_a()}), prog({ld_abs(0xfffffffc), ret_a()}), prog({alu_k(BPF_MOD, 3), ret_a()}),
        prog({ld_abs(kNr), jmp_k(BPF_JEQ, 1, 0, 3), ret_a()}), prog({ret_k(0), ld_imm(0)}),
        prog({BPF_STMT(BPF_LD | BPF_MEM, 0), ret_a()})}) {
    EXPECT_FALSE(enforcer::bpf_check(bad));
    const auto kernel = kernel_run(bad, SYS_getppid, {});
    ASSERT_TRUE(kernel);
    EXPECT_EQ(kernel->load_errno, EINVAL);
  }
}

}  // namespace
}  // namespace ringfence::test
