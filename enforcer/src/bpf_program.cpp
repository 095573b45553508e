#include "ringfence/enforcer/bpf_program.h"

#include <fmt/core.h>

#include <cstddef>
#include <cstring>

namespace ringfence::enforcer {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// One instruction as the kernel's seccomp_check_filter and
// bpf_check_classic judge it: only the opcodes seccomp allows, loads inside
// seccomp_data, scratch slots in range, constant shifts below 32, no
// constant division by zero, and both targets of a jump inside the program.
bool check_insn(const std::vector<sock_filter>& p, std::size_t pc, std::string* error) {
  const sock_filter& in = p[pc];
  auto bad = [&](const std::string& what) { return fail(error, fmt::format("instruction {}: {}", pc, what)); };
  const std::size_t after = p.size() - pc - 1;  // instructions after this one
  switch (in.code) {
    case BPF_LD | BPF_W | BPF_ABS:
      // Checked before any arithmetic on k, which is 32 bits and would wrap.
      if (in.k >= sizeof(seccomp_data) || in.k % 4 != 0)
        return bad(fmt::format("load outside seccomp_data (offset {})", in.k));
      return true;
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
    case BPF_ST:
    case BPF_STX:
      if (in.k >= BPF_MEMWORDS) return bad(fmt::format("scratch slot {} out of range", in.k));
      return true;
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU | BPF_RSH | BPF_K:
      if (in.k >= 32) return bad(fmt::format("shift by {}", in.k));
      return true;
    case BPF_ALU | BPF_DIV | BPF_K:
      if (in.k == 0) return bad("division by zero");
      return true;
    case BPF_JMP | BPF_JA:
      if (in.k >= after) return bad("jump past the end");
      return true;
    case BPF_JMP | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP | BPF_JSET | BPF_X:
      if (in.jt >= after || in.jf >= after) return bad("jump past the end");
      return true;
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_W | BPF_LEN:
    case BPF_LD | BPF_IMM:
    case BPF_LDX | BPF_IMM:
    case BPF_RET | BPF_K:
    case BPF_RET | BPF_A:
    case BPF_ALU | BPF_ADD | BPF_K:
    case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU | BPF_SUB | BPF_K:
    case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU | BPF_MUL | BPF_K:
    case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU | BPF_AND | BPF_K:
    case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU | BPF_OR | BPF_K:
    case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU | BPF_XOR | BPF_K:
    case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU | BPF_NEG:
    case BPF_MISC | BPF_TAX:
    case BPF_MISC | BPF_TXA:
      return true;
    default:
      // BPF_MOD, indirect and packet loads, RET X...: classic BPF has them,
      // seccomp refuses them.
      return bad(fmt::format("opcode {:#x} is not allowed in a seccomp filter", in.code));
  }
}

// The kernel's check_load_and_stores, step for step: a scratch slot may be
// read only when every path to the read has written it. `valid[pc]` is what
// all jumps into pc agree on; falling through carries the slots along.
bool scratch_written_before_read(const std::vector<sock_filter>& p, std::string* error) {
  std::vector<std::uint16_t> valid(p.size(), 0xffff);
  std::uint16_t written = 0;
  for (std::size_t pc = 0; pc < p.size(); ++pc) {
    written &= valid[pc];
    const sock_filter& in = p[pc];
    switch (in.code) {
      case BPF_ST:
      case BPF_STX:
        written |= static_cast<std::uint16_t>(1u << in.k);
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if (!(written & (1u << in.k)))
          return fail(error, fmt::format("instruction {}: scratch slot {} may be read before it is written", pc, in.k));
        break;
      case BPF_JMP | BPF_JA:
        valid[pc + 1 + in.k] &= written;
        written = 0xffff;
        break;
      default:
        if (BPF_CLASS(in.code) == BPF_JMP) {
          valid[pc + 1 + in.jt] &= written;
          valid[pc + 1 + in.jf] &= written;
          written = 0xffff;
        }
        break;
    }
  }
  return true;
}

}  // namespace

bool bpf_check(const BpfProgram& program, std::string* error) {
  const auto& p = program.insns;
  if (p.empty()) return fail(error, "the program is empty");
  if (p.size() > BPF_MAXINSNS)
    return fail(error, fmt::format("the program is {} instructions long; the kernel accepts at most {}", p.size(),
                                   BPF_MAXINSNS));
  for (std::size_t pc = 0; pc < p.size(); ++pc)
    if (!check_insn(p, pc, error)) return false;
  if (BPF_CLASS(p.back().code) != BPF_RET) return fail(error, "the program does not end with a return");
  return scratch_written_before_read(p, error);
}

std::optional<BpfResult> bpf_run(const BpfProgram& program, const seccomp_data& data, std::string* error) {
  const auto& p = program.insns;
  std::uint32_t a = 0, x = 0;
  std::uint32_t mem[BPF_MEMWORDS] = {};
  std::uint32_t stored = 0;  // scratch slots written so far: the kernel refuses reading others
  BpfResult result;
  std::size_t pc = 0;
  // Classic BPF only jumps forward, so a program runs at most once through.
  // Each instruction is checked when it runs, as the kernel checks them all
  // at load time (bpf_check does that for the whole program).
  while (pc < p.size()) {
    if (!check_insn(p, pc, error)) return std::nullopt;
    const sock_filter& in = p[pc];
    ++result.executed;
    ++pc;
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        std::memcpy(&a, reinterpret_cast<const char*>(&data) + in.k, 4);
        break;
      case BPF_LD | BPF_W | BPF_LEN:
        a = sizeof(seccomp_data);
        break;
      case BPF_LDX | BPF_W | BPF_LEN:
        x = sizeof(seccomp_data);
        break;
      case BPF_LD | BPF_IMM:
        a = in.k;
        break;
      case BPF_LDX | BPF_IMM:
        x = in.k;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if (!(stored & (1u << in.k))) {
          fail(error, fmt::format("instruction {}: scratch slot {} read before it is written", pc - 1, in.k));
          return std::nullopt;
        }
        (BPF_CLASS(in.code) == BPF_LD ? a : x) = mem[in.k];
        break;
      case BPF_ST:
      case BPF_STX:
        mem[in.k] = in.code == BPF_ST ? a : x;
        stored |= 1u << in.k;
        break;
      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;
      case BPF_RET | BPF_K:
        result.ret = in.k;
        return result;
      case BPF_RET | BPF_A:
        result.ret = a;
        return result;
      case BPF_JMP | BPF_JA:
        pc += in.k;
        break;
      default:
        if (BPF_CLASS(in.code) == BPF_ALU) {
          const std::uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
          switch (BPF_OP(in.code)) {
            case BPF_ADD:
              a += operand;
              break;
            case BPF_SUB:
              a -= operand;
              break;
            case BPF_MUL:
              a *= operand;
              break;
            case BPF_DIV:
              // The kernel's classic-to-eBPF translation makes a division
              // by a zero X end the program with 0 (SECCOMP_RET_KILL_THREAD).
              if (operand == 0) {
                result.ret = 0;
                return result;
              }
              a /= operand;
              break;
            case BPF_AND:
              a &= operand;
              break;
            case BPF_OR:
              a |= operand;
              break;
            case BPF_XOR:
              a ^= operand;
              break;
            // A shift by X of 32 or more: eBPF masks the count, as x86 does.
            case BPF_LSH:
              a <<= (operand & 31);
              break;
            case BPF_RSH:
              a >>= (operand & 31);
              break;
            case BPF_NEG:
              a = ~a + 1;
              break;
          }
        } else {  // a conditional jump (check_insn let nothing else through)
          const std::uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
          bool taken = false;
          switch (BPF_OP(in.code)) {
            case BPF_JEQ:
              taken = a == operand;
              break;
            case BPF_JGT:
              taken = a > operand;
              break;
            case BPF_JGE:
              taken = a >= operand;
              break;
            case BPF_JSET:
              taken = (a & operand) != 0;
              break;
          }
          pc += taken ? in.jt : in.jf;
        }
        break;
    }
  }
  fail(error, "the program ends without returning");
  return std::nullopt;
}

}  // namespace ringfence::enforcer
