#include "ringfence/enforcer/bpf_program.h"

#include <cstddef>
#include <cstring>

#include <fmt/core.h>

namespace ringfence::enforcer {
namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

}  // namespace

std::optional<BpfResult> bpf_run(const BpfProgram& program, const seccomp_data& data, std::string* error) {
  const auto& p = program.insns;
  std::uint32_t a = 0, x = 0;
  std::uint32_t mem[BPF_MEMWORDS] = {};
  BpfResult result;
  std::size_t pc = 0;
  // Classic BPF only jumps forward, so a program runs at most once through.
  while (pc < p.size()) {
    const sock_filter& in = p[pc];
    ++result.executed;
    ++pc;
    const std::uint16_t code = in.code;
    switch (BPF_CLASS(code)) {
      case BPF_LD:
      case BPF_LDX: {
        std::uint32_t value = 0;
        switch (BPF_MODE(code)) {
          case BPF_ABS:
            if (BPF_SIZE(code) != BPF_W || in.k % 4 != 0 || in.k + 4 > sizeof(seccomp_data)) {
              fail(error, fmt::format("instruction {}: load outside seccomp_data (offset {})", pc - 1, in.k));
              return std::nullopt;
            }
            std::memcpy(&value, reinterpret_cast<const char*>(&data) + in.k, 4);
            break;
          case BPF_IMM: value = in.k; break;
          case BPF_MEM:
            if (in.k >= BPF_MEMWORDS) {
              fail(error, fmt::format("instruction {}: scratch slot {} out of range", pc - 1, in.k));
              return std::nullopt;
            }
            value = mem[in.k];
            break;
          case BPF_LEN: value = sizeof(seccomp_data); break;
          default:
            fail(error, fmt::format("instruction {}: unsupported load mode {:#x}", pc - 1, code));
            return std::nullopt;
        }
        (BPF_CLASS(code) == BPF_LD ? a : x) = value;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (in.k >= BPF_MEMWORDS) {
          fail(error, fmt::format("instruction {}: scratch slot {} out of range", pc - 1, in.k));
          return std::nullopt;
        }
        mem[in.k] = BPF_CLASS(code) == BPF_ST ? a : x;
        break;
      case BPF_ALU: {
        const std::uint32_t operand = BPF_SRC(code) == BPF_X ? x : in.k;
        switch (BPF_OP(code)) {
          case BPF_ADD: a += operand; break;
          case BPF_SUB: a -= operand; break;
          case BPF_MUL: a *= operand; break;
          case BPF_DIV:
            if (operand == 0) return fail(error, "division by zero"), std::nullopt;
            a /= operand;
            break;
          case BPF_MOD:
            if (operand == 0) return fail(error, "division by zero"), std::nullopt;
            a %= operand;
            break;
          case BPF_AND: a &= operand; break;
          case BPF_OR: a |= operand; break;
          case BPF_XOR: a ^= operand; break;
          case BPF_LSH: a = operand < 32 ? a << operand : 0; break;
          case BPF_RSH: a = operand < 32 ? a >> operand : 0; break;
          case BPF_NEG: a = ~a + 1; break;
          default:
            fail(error, fmt::format("instruction {}: unsupported ALU op {:#x}", pc - 1, code));
            return std::nullopt;
        }
        break;
      }
      case BPF_JMP: {
        std::size_t offset = 0;
        if (BPF_OP(code) == BPF_JA) {
          offset = in.k;
        } else {
          const std::uint32_t operand = BPF_SRC(code) == BPF_X ? x : in.k;
          bool taken = false;
          switch (BPF_OP(code)) {
            case BPF_JEQ: taken = a == operand; break;
            case BPF_JGT: taken = a > operand; break;
            case BPF_JGE: taken = a >= operand; break;
            case BPF_JSET: taken = (a & operand) != 0; break;
            default:
              fail(error, fmt::format("instruction {}: unsupported jump {:#x}", pc - 1, code));
              return std::nullopt;
          }
          offset = taken ? in.jt : in.jf;
        }
        if (pc + offset >= p.size()) {
          fail(error, fmt::format("instruction {}: jump past the end", pc - 1));
          return std::nullopt;
        }
        pc += offset;
        break;
      }
      case BPF_RET:
        result.ret = BPF_RVAL(code) == BPF_A ? a : in.k;
        return result;
      case BPF_MISC:
        if (BPF_MISCOP(code) == BPF_TAX) x = a;
        else a = x;
        break;
      default:
        fail(error, fmt::format("instruction {}: unsupported class {:#x}", pc - 1, code));
        return std::nullopt;
    }
  }
  fail(error, "the program ends without returning");
  return std::nullopt;
}

}  // namespace ringfence::enforcer
