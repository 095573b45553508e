#include "ringfence/policy/seccomp_query.h"

#include <algorithm>

namespace ringfence::policy {
namespace {

bool names(const SeccompRule& rule, std::string_view syscall) {
  return std::find(rule.syscalls.begin(), rule.syscalls.end(), syscall) != rule.syscalls.end();
}

bool lets_run(const SeccompAction& a) { return a.kind == SeccompActionKind::Allow || a.kind == SeccompActionKind::Log; }

}  // namespace

bool seccomp_allows(const SeccompFilter& filter, std::string_view syscall) {
  bool conditional_all_run = true;
  for (const auto& rule : filter.rules) {
    if (!names(rule, syscall)) continue;
    if (rule.conditions.empty()) return lets_run(rule.action);
    conditional_all_run = conditional_all_run && lets_run(rule.action);
  }
  // Calls that match no conditional rule get the default action.
  return conditional_all_run && lets_run(filter.default_action);
}

bool seccomp_notifies(const SeccompFilter& filter, std::string_view syscall) {
  for (const auto& rule : filter.rules) {
    if (!names(rule, syscall)) continue;
    if (rule.action.kind == SeccompActionKind::Notify) return true;
    if (rule.conditions.empty()) return false;  // this rule decides every call
  }
  // Some calls get the default action; `audit` sends its denials to the supervisor.
  return filter.default_action.kind == SeccompActionKind::Notify ||
         (filter.audit && !lets_run(filter.default_action));
}

}  // namespace ringfence::policy

#include <seccomp.h>

#include <cstdlib>
#include <string>

namespace ringfence::policy {
namespace {

bool holds(const SeccompCondition& c, std::uint64_t arg) {
  switch (c.op) {
    case SeccompOp::Eq: return arg == c.value;
    case SeccompOp::Ne: return arg != c.value;
    case SeccompOp::Lt: return arg < c.value;
    case SeccompOp::Le: return arg <= c.value;
    case SeccompOp::Gt: return arg > c.value;
    case SeccompOp::Ge: return arg >= c.value;
    case SeccompOp::MaskedEq: return (arg & c.mask) == c.value;
  }
  return false;
}

}  // namespace

std::uint32_t seccomp_native_arch() { return seccomp_arch_native(); }

int seccomp_syscall_number(std::string_view name) {
  const int nr = seccomp_syscall_resolve_name(std::string(name).c_str());
  return nr < 0 ? -1 : nr;
}

const SeccompRule* seccomp_match(const SeccompFilter& filter, std::uint32_t arch, int nr,
                                 const std::array<std::uint64_t, 6>& args) {
  // x32 calls arrive as AUDIT_ARCH_X86_64 with the x32 bit set in nr.
  if (arch == SCMP_ARCH_X86_64 && (nr & 0x40000000)) arch = SCMP_ARCH_X32;
  char* raw = seccomp_syscall_resolve_num_arch(arch, nr);
  if (raw == nullptr) return nullptr;
  const std::string name = raw;
  std::free(raw);
  for (const auto& rule : filter.rules) {
    if (!names(rule, name)) continue;
    bool all = true;
    for (const auto& c : rule.conditions) all = all && c.index < 6 && holds(c, args[c.index]);
    if (all) return &rule;
  }
  return nullptr;
}

}  // namespace ringfence::policy
