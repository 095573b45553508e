#include "ringfence/policy/seccomp_vocab.h"

#include <seccomp.h>

#include <algorithm>
#include <cctype>

namespace ringfence::policy {
namespace {

struct ActionName {
  const char* name;
  SeccompActionKind kind;
};
constexpr ActionName kActions[] = {
    {"allow", SeccompActionKind::Allow},        {"errno", SeccompActionKind::Errno},
    {"kill-thread", SeccompActionKind::KillThread}, {"kill-process", SeccompActionKind::KillProcess},
    {"trap", SeccompActionKind::Trap},          {"log", SeccompActionKind::Log},
    {"notify", SeccompActionKind::Notify},
};

struct OpName {
  const char* name;
  SeccompOp op;
};
constexpr OpName kOps[] = {
    {"eq", SeccompOp::Eq}, {"ne", SeccompOp::Ne}, {"lt", SeccompOp::Lt},       {"le", SeccompOp::Le},
    {"gt", SeccompOp::Gt}, {"ge", SeccompOp::Ge}, {"masked_eq", SeccompOp::MaskedEq},
};

struct ArchAlias {
  const char* alias;
  const char* arch;  // libseccomp's name
};
constexpr ArchAlias kArchAliases[] = {
    {"x86_64", "x86_64"},       {"amd64", "x86_64"},         {"x86", "x86"},
    {"386", "x86"},             {"i386", "x86"},             {"x32", "x32"},
    {"aarch64", "aarch64"},     {"arm64", "aarch64"},        {"arm", "arm"},
    {"mips", "mips"},           {"mipsel", "mipsel"},        {"mips64", "mips64"},
    {"mipsel64", "mipsel64"},   {"mips64n32", "mips64n32"},  {"mipsel64n32", "mipsel64n32"},
    {"mips3l64n32", "mipsel64n32"},  // Docker's default.json spells it so
    {"ppc", "ppc"},             {"ppc64", "ppc64"},          {"ppc64le", "ppc64le"},
    {"s390", "s390"},           {"s390x", "s390x"},          {"riscv64", "riscv64"},
    {"parisc", "parisc"},       {"parisc64", "parisc64"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const std::vector<std::string>& seccomp_action_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& a : kActions) out.emplace_back(a.name);
    return out;
  }();
  return names;
}

std::optional<SeccompActionKind> seccomp_action_from_name(std::string_view name) {
  for (const auto& a : kActions)
    if (name == a.name) return a.kind;
  return std::nullopt;
}

const char* seccomp_action_name(SeccompActionKind kind) {
  for (const auto& a : kActions)
    if (a.kind == kind) return a.name;
  return "?";
}

const std::vector<std::string>& seccomp_op_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& o : kOps) out.emplace_back(o.name);
    return out;
  }();
  return names;
}

std::optional<SeccompOp> seccomp_op_from_name(std::string_view name) {
  for (const auto& o : kOps)
    if (name == o.name) return o.op;
  return std::nullopt;
}

const char* seccomp_op_name(SeccompOp op) {
  for (const auto& o : kOps)
    if (o.op == op) return o.name;
  return "?";
}

std::optional<std::string> normalize_arch(std::string_view name) {
  std::string n = lower(name);
  if (n.starts_with("scmp_arch_")) n = n.substr(10);
  for (const auto& a : kArchAliases)
    if (n == a.alias) return std::string(a.arch);
  return std::nullopt;
}

const std::vector<std::string>& arch_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& a : kArchAliases) out.emplace_back(a.alias);
    return out;
  }();
  return names;
}

std::string docker_arch_constant(std::string_view arch) {
  std::string out = "SCMP_ARCH_";
  for (char c : arch) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> native_and_sub_arches() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64: return {"x86_64", "x86", "x32"};
    case SCMP_ARCH_AARCH64: return {"aarch64", "arm"};
    case SCMP_ARCH_S390X: return {"s390x", "s390"};
    case SCMP_ARCH_PPC64LE: return {"ppc64le"};
    case SCMP_ARCH_RISCV64: return {"riscv64"};
    case SCMP_ARCH_X86: return {"x86"};
    case SCMP_ARCH_ARM: return {"arm"};
    default: return {};  // the compiler reports an unsupported host
  }
}

bool argument_is_int(std::string_view syscall, unsigned index) {
  // From the kernel's prototypes: int or unsigned int parameters that
  // profiles commonly compare.
  struct IntArg {
    const char* syscall;
    unsigned index;
  };
  static constexpr IntArg kIntArgs[] = {
      {"ioctl", 1},  // unsigned int cmd (TIOCSTI, CVE-2019-10063)
      {"personality", 0},
      {"socket", 0}, {"socket", 1}, {"socket", 2},
      {"socketpair", 0}, {"socketpair", 1}, {"socketpair", 2},
      {"setns", 1},  {"prctl", 0},
      {"kill", 1},   {"tgkill", 2},  {"tkill", 1},
      {"fcntl", 1},
  };
  for (const auto& a : kIntArgs)
    if (syscall == a.syscall && index == a.index) return true;
  return false;
}

}  // namespace ringfence::policy
