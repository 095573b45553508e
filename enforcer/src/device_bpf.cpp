#include "ringfence/enforcer/device_bpf.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include <fmt/core.h>

#include "ringfence/base/fd.h"

namespace ringfence::enforcer {
namespace {

// Registers: r1 holds the context (struct bpf_cgroup_dev_ctx) on entry.
constexpr std::uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn load_ctx_u32(std::uint8_t dst, std::int16_t offset) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, R1, offset, 0); }
bpf_insn and_imm(std::uint8_t dst, std::int32_t imm) { return insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm); }
bpf_insn rsh_imm(std::uint8_t dst, std::int32_t imm) { return insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm); }
bpf_insn mov_reg(std::uint8_t dst, std::uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn mov_imm(std::uint8_t dst, std::int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn jne_imm(std::uint8_t dst, std::int32_t imm, std::int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm); }
bpf_insn jne_reg(std::uint8_t dst, std::uint8_t src, std::int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

std::int32_t access_bits(const std::string& access) {
  std::int32_t bits = 0;
  for (char c : access) {
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
  }
  return bits;
}

// One rule: its tests, each jumping to the next rule when it fails, then
// "return allow". The jump offsets are patched once the block's length is
// known.
std::vector<bpf_insn> rule_block(const policy::DeviceRule& r) {
  std::vector<bpf_insn> b;
  std::vector<std::size_t> jumps;  // indices of the jumps to the next rule
  if (r.type == 'c' || r.type == 'b') {
    jumps.push_back(b.size());
    b.push_back(jne_imm(R2, r.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
  }
  const std::int32_t access = access_bits(r.access);
  if (access != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
    // The access asked for must be within the rule's.
    b.push_back(mov_reg(R1, R3));
    b.push_back(and_imm(R1, access));
    jumps.push_back(b.size());
    b.push_back(jne_reg(R1, R3, 0));
  }
  if (r.major >= 0) {
    jumps.push_back(b.size());
    b.push_back(jne_imm(R4, static_cast<std::int32_t>(r.major), 0));
  }
  if (r.minor >= 0) {
    jumps.push_back(b.size());
    b.push_back(jne_imm(R5, static_cast<std::int32_t>(r.minor), 0));
  }
  b.push_back(mov_imm(R0, r.allow ? 1 : 0));
  b.push_back(exit_insn());
  for (std::size_t j : jumps) b[j].off = static_cast<std::int16_t>(b.size() - j - 1);
  return b;
}

}  // namespace

std::vector<bpf_insn> device_program(const policy::DeviceCgroupParams& rules) {
  std::vector<bpf_insn> p = {
      load_ctx_u32(R2, offsetof(bpf_cgroup_dev_ctx, access_type)),
      and_imm(R2, 0xffff),  // the device type
      load_ctx_u32(R3, offsetof(bpf_cgroup_dev_ctx, access_type)),
      rsh_imm(R3, 16),  // the access asked for
      load_ctx_u32(R4, offsetof(bpf_cgroup_dev_ctx, major)),
      load_ctx_u32(R5, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  // The last matching rule decides: test the rules from the last one back,
  // and return at the first that matches.
  for (auto it = rules.rules.rbegin(); it != rules.rules.rend(); ++it) {
    auto block = rule_block(*it);
    p.insert(p.end(), block.begin(), block.end());
    // A rule that matches everything ("a *:* rwm") ends the program: the
    // verifier refuses instructions no path reaches.
    if (block.size() == 2) return p;
  }
  p.push_back(mov_imm(R0, 0));
  p.push_back(exit_insn());
  return p;
}

Status attach_device_program(const std::string& dir, const policy::DeviceCgroupParams& rules) {
  const auto program = device_program(rules);
  char log[4096] = {};
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<std::uint64_t>(program.data());
  load.insn_cnt = static_cast<std::uint32_t>(program.size());
  load.license = reinterpret_cast<std::uint64_t>("GPL");
  load.log_buf = reinterpret_cast<std::uint64_t>(log);
  load.log_size = sizeof log;
  load.log_level = 1;
  Fd prog(static_cast<int>(syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load)));
  if (!prog.valid()) {
    const int err = errno;
    return Status::from_errno(err, fmt::format("load the device program (verifier: {})", std::string(log).substr(0, 200)));
  }
  Fd cgroup(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup.valid()) return Status::from_errno("open " + dir);
  bpf_attr attach{};
  attach.target_fd = static_cast<std::uint32_t>(cgroup.get());
  attach.attach_bpf_fd = static_cast<std::uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0)
    return Status::from_errno("attach the device program to " + dir);
  // The attachment keeps the program alive with the cgroup.
  return {};
}

}  // namespace ringfence::enforcer
