// Reading back the device programs in force for a cgroup v2 directory, and
// running one on a device access: how `audit check` judges devices.cgroup
// on cgroup v2, where no file lists the rules (v1's devices.list).
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/device_bpf.h"

namespace ringfence::enforcer {
namespace {

long bpf(int cmd, bpf_attr& attr) { return syscall(SYS_bpf, cmd, &attr, sizeof attr); }

Result<std::vector<bpf_insn>> xlated_instructions(std::uint32_t id) {
  bpf_attr by_id{};
  by_id.prog_id = id;
  Fd prog(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, by_id)));
  if (!prog.valid()) return Status::from_errno(fmt::format("open device program {}", id));
  // Twice: once for the length, once for the instructions.
  bpf_prog_info info{};
  bpf_attr get{};
  get.info.bpf_fd = static_cast<std::uint32_t>(prog.get());
  get.info.info_len = sizeof info;
  get.info.info = reinterpret_cast<std::uint64_t>(&info);
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, get) != 0) return Status::from_errno(fmt::format("read device program {}", id));
  if (info.xlated_prog_len == 0)
    return Status::failure(fmt::format("device program {}: the kernel does not show its instructions", id), EPERM);
  std::vector<bpf_insn> insns(info.xlated_prog_len / sizeof(bpf_insn));
  const std::uint32_t len = info.xlated_prog_len;
  info = {};
  info.xlated_prog_len = len;
  info.xlated_prog_insns = reinterpret_cast<std::uint64_t>(insns.data());
  get.info.info_len = sizeof info;
  get.info.info = reinterpret_cast<std::uint64_t>(&info);
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, get) != 0) return Status::from_errno(fmt::format("read device program {}", id));
  insns.resize(std::min<std::size_t>(insns.size(), info.xlated_prog_len / sizeof(bpf_insn)));
  return insns;
}

}  // namespace

Result<std::vector<std::vector<bpf_insn>>> device_programs_in_force(const std::string& dir) {
  Fd cgroup(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup.valid()) return Status::from_errno("open " + dir);
  // A cgroup has at most 64 programs per attach type (BPF_CGROUP_MAX_PROGS).
  std::array<std::uint32_t, 64> ids{};
  bpf_attr query{};
  query.query.target_fd = static_cast<std::uint32_t>(cgroup.get());
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.query_flags = BPF_F_QUERY_EFFECTIVE;
  query.query.prog_ids = reinterpret_cast<std::uint64_t>(ids.data());
  query.query.prog_cnt = ids.size();
  if (bpf(BPF_PROG_QUERY, query) != 0) return Status::from_errno("query the device programs of " + dir);
  std::vector<std::vector<bpf_insn>> out;
  for (std::uint32_t i = 0; i < query.query.prog_cnt && i < ids.size(); ++i) {
    auto insns = xlated_instructions(ids[i]);
    if (!insns) return insns.status();
    out.push_back(std::move(*insns));
  }
  return out;
}

std::optional<bool> device_program_allows(const std::vector<bpf_insn>& program, const DeviceAccess& a) {
  // The context (struct bpf_cgroup_dev_ctx) as the kernel fills it.
  bpf_cgroup_dev_ctx ctx{};
  const std::uint32_t type = a.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
  const std::uint32_t access = a.access == 'm' ? BPF_DEVCG_ACC_MKNOD : a.access == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_READ;
  ctx.access_type = type | (access << 16);
  ctx.major = static_cast<std::uint32_t>(a.major);
  ctx.minor = static_cast<std::uint32_t>(a.minor);
  std::array<std::uint64_t, 11> r{};
  bool ctx_in_r1 = true;  // r1 holds the context until it is written
  // Device programs only jump forward (the verifier refuses loops in
  // them); counting steps keeps a broken one from running forever.
  std::size_t steps = 0;
  for (std::size_t pc = 0; pc < program.size() && steps < 100000; ++pc, ++steps) {
    const bpf_insn& i = program[pc];
    const std::uint8_t cls = BPF_CLASS(i.code);
    if (i.dst_reg > 10 || i.src_reg > 10) return std::nullopt;
    if (cls == BPF_LDX) {
      // Only 32-bit loads from the context: its three fields.
      if (BPF_MODE(i.code) != BPF_MEM || BPF_SIZE(i.code) != BPF_W || i.src_reg != 1 || !ctx_in_r1) return std::nullopt;
      if (i.off < 0 || static_cast<std::size_t>(i.off) + 4 > sizeof ctx || i.off % 4 != 0) return std::nullopt;
      std::uint32_t v = 0;
      std::memcpy(&v, reinterpret_cast<const char*>(&ctx) + i.off, 4);
      r[i.dst_reg] = v;
      if (i.dst_reg == 1) ctx_in_r1 = false;
      continue;
    }
    if (cls == BPF_ALU || cls == BPF_ALU64) {
      const bool wide = cls == BPF_ALU64;
      const std::uint64_t src = BPF_SRC(i.code) == BPF_X ? r[i.src_reg] : static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
      std::uint64_t d = r[i.dst_reg];
      switch (BPF_OP(i.code)) {
        case BPF_MOV: d = src; break;
        case BPF_AND: d &= src; break;
        case BPF_OR: d |= src; break;
        case BPF_XOR: d ^= src; break;
        case BPF_ADD: d += src; break;
        case BPF_SUB: d -= src; break;
        case BPF_LSH: d <<= (src & (wide ? 63 : 31)); break;
        case BPF_RSH: d = (wide ? d : (d & 0xffffffff)) >> (src & (wide ? 63 : 31)); break;
        default: return std::nullopt;
      }
      r[i.dst_reg] = wide ? d : (d & 0xffffffff);
      if (i.dst_reg == 1) ctx_in_r1 = false;
      continue;
    }
    if (cls == BPF_JMP || cls == BPF_JMP32) {
      const std::uint8_t op = BPF_OP(i.code);
      if (op == BPF_EXIT) return (r[0] & 0xffffffff) != 0;
      if (op == BPF_CALL) return std::nullopt;
      const bool narrow = cls == BPF_JMP32;
      std::uint64_t x = r[i.dst_reg];
      std::uint64_t y = BPF_SRC(i.code) == BPF_X ? r[i.src_reg] : static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
      if (narrow) {
        x &= 0xffffffff;
        y &= 0xffffffff;
      }
      bool taken = false;
      switch (op) {
        case BPF_JA:
          if (narrow) return std::nullopt;  // gotol: a long jump, not in device programs
          taken = true;
          break;
        case BPF_JEQ: taken = x == y; break;
        case BPF_JNE: taken = x != y; break;
        case BPF_JGT: taken = x > y; break;
        case BPF_JGE: taken = x >= y; break;
        case BPF_JLT: taken = x < y; break;
        case BPF_JLE: taken = x <= y; break;
        case BPF_JSET: taken = (x & y) != 0; break;
        default: return std::nullopt;
      }
      if (taken) {
        if (i.off < 0) return std::nullopt;
        pc += static_cast<std::size_t>(i.off);
      }
      continue;
    }
    return std::nullopt;
  }
  return std::nullopt;  // ran off the end, or too long
}

std::optional<bool> device_programs_allow(const std::vector<std::vector<bpf_insn>>& programs, const DeviceAccess& a) {
  bool allowed = true;
  for (const auto& program : programs) {
    const auto answer = device_program_allows(program, a);
    if (!answer) return std::nullopt;
    allowed = allowed && *answer;
  }
  return allowed;
}

bool device_rules_allow(const policy::DeviceCgroupParams& rules, const DeviceAccess& a) {
  bool allowed = false;
  for (const auto& r : rules.rules) {
    const bool type = r.type == 'a' || r.type == a.type;
    const bool numbers = (r.major < 0 || r.major == a.major) && (r.minor < 0 || r.minor == a.minor);
    if (type && numbers && r.access.find(a.access) != std::string::npos) allowed = r.allow;
  }
  return allowed;
}

std::vector<std::int64_t> device_probe_numbers(const policy::DeviceCgroupParams& rules,
                                               const std::vector<std::vector<bpf_insn>>& programs) {
  std::set<std::int64_t> n = {4242};
  for (const auto& r : rules.rules) {
    if (r.major >= 0) n.insert(r.major);
    if (r.minor >= 0) n.insert(r.minor);
  }
  for (const auto& program : programs)
    for (const auto& i : program) {
      const std::uint8_t cls = BPF_CLASS(i.code);
      const std::uint8_t op = BPF_OP(i.code);
      if ((cls != BPF_JMP && cls != BPF_JMP32) || BPF_SRC(i.code) != BPF_K || op == BPF_JA || op == BPF_EXIT ||
          op == BPF_CALL || i.imm < 0)
        continue;
      for (std::int64_t v : {std::int64_t{i.imm} - 1, std::int64_t{i.imm}, std::int64_t{i.imm} + 1})
        if (v >= 0) n.insert(v);
    }
  return {n.begin(), n.end()};
}

}  // namespace ringfence::enforcer
