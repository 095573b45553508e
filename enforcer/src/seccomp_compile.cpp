#include "ringfence/enforcer/seccomp_compile.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/core.h>

#include "ringfence/policy/seccomp_query.h"
#include "seccomp_decide.h"

namespace ringfence::enforcer {
namespace {

using policy::SeccompActionKind;
using policy::SeccompOp;

std::uint32_t libseccomp_action(const policy::SeccompAction& a) {
  switch (a.kind) {
    case SeccompActionKind::Allow: return SCMP_ACT_ALLOW;
    case SeccompActionKind::Errno: return SCMP_ACT_ERRNO(static_cast<std::uint16_t>(a.errno_value));
    case SeccompActionKind::KillThread: return SCMP_ACT_KILL_THREAD;
    case SeccompActionKind::KillProcess: return SCMP_ACT_KILL_PROCESS;
    case SeccompActionKind::Trap: return SCMP_ACT_TRAP;
    case SeccompActionKind::Log: return SCMP_ACT_LOG;
    case SeccompActionKind::Notify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare libseccomp_op(SeccompOp op) {
  switch (op) {
    case SeccompOp::Eq: return SCMP_CMP_EQ;
    case SeccompOp::Ne: return SCMP_CMP_NE;
    case SeccompOp::Lt: return SCMP_CMP_LT;
    case SeccompOp::Le: return SCMP_CMP_LE;
    case SeccompOp::Gt: return SCMP_CMP_GT;
    case SeccompOp::Ge: return SCMP_CMP_GE;
    case SeccompOp::MaskedEq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

// libseccomp 2.5 can only export into a file descriptor.
std::optional<BpfProgram> export_program(scmp_filter_ctx ctx, std::string& error) {
  const int fd = memfd_create("ringfence-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    error = fmt::format("memfd_create: {}", std::strerror(errno));
    return std::nullopt;
  }
  BpfProgram program;
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    error = fmt::format("seccomp_export_bpf: {}", std::strerror(-rc));
  } else {
    const off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
      error = fmt::format("seccomp_export_bpf wrote {} bytes, not a whole program", static_cast<long long>(size));
      close(fd);
      return std::nullopt;
    }
    program.insns.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (pread(fd, program.insns.data(), static_cast<std::size_t>(size), 0) != size) {
      error = fmt::format("reading the exported filter: {}", std::strerror(errno));
      rc = -1;
    }
  }
  close(fd);
  if (rc < 0) return std::nullopt;
  return program;
}

// A tiny assembler for the preamble: jumps name their targets by label.
class Preamble {
 public:
  static constexpr int kMain = -1;    // the libseccomp program that follows
  static constexpr int kEnosys = -2;  // the ENOSYS return

  int label() { return next_label_++; }
  void place(int label) { labels_.emplace_back(label, insns_.size()); }
  void load_arch() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)); }
  void load_nr() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)); }
  void jump(std::uint16_t op, std::uint32_t k, int if_true, int if_false) {
    insns_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
    fixups_.push_back({insns_.size() - 1, if_true, if_false});
  }
  void always(int target) { jump(BPF_JA, 0, target, target); }

  std::vector<sock_filter> finish() {
    place(kEnosys);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
    place(kMain);
    for (const auto& f : fixups_) {
      auto offset = [&](int target) {
        for (const auto& [l, at] : labels_)
          if (l == target) return static_cast<std::uint32_t>(at - f.at - 1);
        return std::uint32_t{0};
      };
      sock_filter& in = insns_[f.at];
      if (BPF_OP(in.code) == BPF_JA) {
        in.k = offset(f.if_true);
      } else {
        in.jt = static_cast<std::uint8_t>(offset(f.if_true));
        in.jf = static_cast<std::uint8_t>(offset(f.if_false));
      }
    }
    return insns_;
  }

 private:
  struct Fixup {
    std::size_t at;
    int if_true, if_false;
  };
  void stmt(std::uint16_t code, std::uint32_t k) { insns_.push_back(BPF_STMT(code, k)); }

  std::vector<sock_filter> insns_;
  std::vector<std::pair<int, std::size_t>> labels_;
  std::vector<Fixup> fixups_;
  int next_label_ = 0;
};

// Per kernel audit arch: the highest known number of the native ABI and,
// for x86_64, of x32 (which shares the arch value and sets a bit in nr).
std::vector<sock_filter> enosys_preamble(const policy::SeccompFilter& filter) {
  struct Limit {
    std::uint32_t audit_arch;
    std::optional<std::uint32_t> highest, highest_x32;
  };
  std::vector<Limit> limits;
  auto limit_for = [&](std::uint32_t audit_arch) -> Limit& {
    for (auto& l : limits)
      if (l.audit_arch == audit_arch) return l;
    limits.push_back({audit_arch, std::nullopt, std::nullopt});
    return limits.back();
  };
  for (const auto& [arch_name, highest] : filter.enosys_above) {
    const std::uint32_t token = seccomp_arch_resolve_name(arch_name.c_str());
    if (token == SCMP_ARCH_X32) {
      limit_for(AUDIT_ARCH_X86_64).highest_x32 = highest;
    } else if (token != 0) {
      limit_for(token).highest = highest;  // libseccomp's tokens are the kernel's AUDIT_ARCH_ values
    }
  }
  if (limits.empty()) return {};
  Preamble p;
  p.load_arch();
  for (const auto& l : limits) {
    const int body = p.label(), next = p.label();
    p.jump(BPF_JEQ, l.audit_arch, body, next);
    p.place(body);
    p.load_nr();
    if (l.audit_arch == AUDIT_ARCH_X86_64) {
      const int x32 = p.label(), x86_64 = p.label();
      p.jump(BPF_JSET, detail::kX32SyscallBit, x32, x86_64);
      p.place(x32);
      if (l.highest_x32) p.jump(BPF_JGT, *l.highest_x32, Preamble::kEnosys, Preamble::kMain);
      else p.always(Preamble::kMain);
      p.place(x86_64);
    }
    if (l.highest) p.jump(BPF_JGT, *l.highest, Preamble::kEnosys, Preamble::kMain);
    else p.always(Preamble::kMain);
    p.place(next);  // the accumulator still holds the arch here
  }
  p.always(Preamble::kMain);
  return p.finish();
}

}  // namespace

std::uint32_t seccomp_ret(const policy::SeccompAction& action) { return libseccomp_action(action); }

namespace {
bool names_syscall(const policy::SeccompFilter& filter, std::string_view name) {
  for (const auto& rule : filter.rules)
    for (const auto& s : rule.syscalls)
      if (s == name) return true;
  return false;
}
}  // namespace

std::optional<CompiledFilter> compile_filter(const policy::SeccompFilter& filter, std::string& error) {
  // Learn mode sends some refusals to the supervisor instead
  // (policy::seccomp_loaded_action says which).
  const policy::SeccompAction default_action = policy::seccomp_loaded_default(filter);
  Ctx ctx(seccomp_init(libseccomp_action(default_action)));
  if (!ctx) {
    error = "seccomp_init failed";
    return std::nullopt;
  }
  int rc = 0;
  // NNP is the plan's own step (process.no-new-privileges), not a side
  // effect of loading; the binary tree keeps every path short.
  if ((rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
      (rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0) {
    error = fmt::format("seccomp_attr_set: {}", std::strerror(-rc));
    return std::nullopt;
  }
  const std::uint32_t native = seccomp_arch_native();
  for (const auto& name : filter.arches) {
    const std::uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    if (arch == 0) {
      error = fmt::format("libseccomp does not know the architecture '{}'", name);
      return std::nullopt;
    }
    if (arch == native) continue;
    if ((rc = seccomp_arch_add(ctx.get(), arch)) < 0 && rc != -EEXIST) {
      error = fmt::format("seccomp_arch_add({}): {}", name, std::strerror(-rc));
      return std::nullopt;
    }
  }
  CompiledFilter out;
  out.uses_notify = default_action.kind == SeccompActionKind::Notify;
  for (const auto& rule : filter.rules) {
    std::vector<scmp_arg_cmp> cmps;
    for (const auto& c : rule.conditions)
      cmps.push_back(c.op == SeccompOp::MaskedEq ? scmp_arg_cmp{c.index, SCMP_CMP_MASKED_EQ, c.mask, c.value}
                                                 : scmp_arg_cmp{c.index, libseccomp_op(c.op), c.value, 0});
    for (const auto& name : rule.syscalls) {
      const policy::SeccompAction loaded = policy::seccomp_loaded_action(filter, rule.action, name);
      const std::uint32_t action = libseccomp_action(loaded);
      out.uses_notify = out.uses_notify || loaded.kind == SeccompActionKind::Notify;
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        error = fmt::format("libseccomp does not know the syscall '{}'", name);
        return std::nullopt;
      }
      // A rule whose action is the default action changes nothing, and
      // libseccomp refuses it.
      if (action == libseccomp_action(default_action)) continue;
      rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(cmps.size()), cmps.data());
      if (rc < 0) {
        error = fmt::format("seccomp rule for '{}' ({}:{}): {}", name, rule.from.file, rule.from.line,
                            std::strerror(-rc));
        return std::nullopt;
      }
    }
  }
  // Learn mode sends the default action to the supervisor, but sendmsg
  // carries the listener there: when no rule names it, it keeps the default
  // as written (a notified sendmsg would wait for a supervisor that waits
  // for it).
  if (filter.learn && !names_syscall(filter, "sendmsg") &&
      libseccomp_action(filter.default_action) != libseccomp_action(default_action)) {
    const int nr = seccomp_syscall_resolve_name("sendmsg");
    if (nr != __NR_SCMP_ERROR &&
        (rc = seccomp_rule_add_array(ctx.get(), libseccomp_action(filter.default_action), nr, 0, nullptr)) < 0) {
      error = fmt::format("seccomp rule for 'sendmsg' in learn mode: {}", std::strerror(-rc));
      return std::nullopt;
    }
  }
  auto program = export_program(ctx.get(), error);
  if (!program) return std::nullopt;
  auto preamble = enosys_preamble(filter);
  program->insns.insert(program->insns.begin(), preamble.begin(), preamble.end());
  if (program->insns.size() > kMaxBpfInstructions) {
    error = fmt::format("the filter is {} BPF instructions long; the kernel accepts at most {}",
                        program->insns.size(), kMaxBpfInstructions);
    return std::nullopt;
  }
  // The preamble is assembled here, not by libseccomp: check the whole
  // program as the kernel will, so that a mistake fails in the parent,
  // before the sandbox exists, and not as EINVAL from seccomp(2).
  if (std::string why; !bpf_check(*program, &why)) {
    error = "the compiled seccomp filter is invalid: " + why;
    return std::nullopt;
  }
  out.program = std::move(*program);
  return out;
}

}  // namespace ringfence::enforcer
