#include "ringfence/policy/seccomp_query.h"

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "syscall_table.h"

namespace ringfence::policy {
namespace {

bool names(const SeccompRule& rule, std::string_view syscall) {
  return std::find(rule.syscalls.begin(), rule.syscalls.end(), syscall) != rule.syscalls.end();
}

bool lets_run(const SeccompAction& a) { return a.kind == SeccompActionKind::Allow || a.kind == SeccompActionKind::Log; }

// The call that hands the listener to the supervisor: never notified.
constexpr std::string_view kListenerSyscall = "sendmsg";

// Learn mode: does this action refuse the call (so that it is learned)?
// ENOSYS is a request to fall back, not a refusal (seccomp_loaded_action).
bool learn_sends(const SeccompAction& a) {
  if (lets_run(a)) return false;
  return !(a.kind == SeccompActionKind::Errno && a.errno_value == ENOSYS);
}

// What the filter decides for one syscall, rule by rule in order: the first
// unconditional rule decides every call; before it, conditional rules decide
// some calls; calls no rule matches get the default action. Fed one rule at
// a time so that seccomp_allows (one name) and seccomp_allowed_names (every
// name at once) share the rule.
struct AllowState {
  bool decided = false;
  bool runs = false;
  bool conditional_all_run = true;

  void apply(const SeccompRule& rule) {
    if (decided) return;
    if (rule.conditions.empty()) {
      decided = true;
      runs = lets_run(rule.action);
    } else {
      conditional_all_run = conditional_all_run && lets_run(rule.action);
    }
  }
  bool allows(const SeccompFilter& filter) const {
    return decided ? runs : conditional_all_run && lets_run(filter.default_action);
  }
};

}  // namespace

bool seccomp_allows(const SeccompFilter& filter, std::string_view syscall) {
  AllowState state;
  for (const auto& rule : filter.rules)
    if (names(rule, syscall)) state.apply(rule);
  return state.allows(filter);
}

std::vector<std::string_view> seccomp_allowed_views(const SeccompFilter& filter) {
  // Keyed by the names' interned ids (syscall_table.h), in arrays: a hash
  // map of the names cost the linter a third of its time on a profile with
  // its own rules (an allocation and a string hash per name of every rule).
  std::vector<std::string_view> names;
  for (const auto& rule : filter.rules)
    for (const auto& s : rule.syscalls) names.push_back(s);
  const std::vector<SyscallId> ids = syscall_ids(names);
  const std::size_t count = syscall_id_count();
  std::vector<AllowState> states(count);
  std::vector<std::string_view> named(count);  // each id's name, once it is met
  std::unordered_map<std::string_view, AllowState> unknown;  // names libseccomp does not know
  std::size_t i = 0;
  for (const auto& rule : filter.rules)
    for (const auto& s : rule.syscalls) {
      const SyscallId id = ids[i++];
      if (id == kUnknownSyscall || id >= count) {
        unknown[s].apply(rule);
        continue;
      }
      states[id].apply(rule);
      named[id] = s;
    }
  std::vector<std::string_view> out;
  for (std::size_t id = 0; id < count; ++id)
    if (!named[id].empty() && states[id].allows(filter)) out.push_back(named[id]);
  for (const auto& [name, state] : unknown)
    if (state.allows(filter)) out.push_back(name);
  return out;
}

std::unordered_set<std::string> seccomp_allowed_names(const SeccompFilter& filter) {
  std::unordered_set<std::string> out;
  for (const auto name : seccomp_allowed_views(filter)) out.emplace(name);
  return out;
}

bool seccomp_notifies(const SeccompFilter& filter, std::string_view syscall) {
  bool named = false;
  for (const auto& rule : filter.rules) {
    if (!names(rule, syscall)) continue;
    named = true;
    if (seccomp_loaded_action(filter, rule.action, syscall).kind == SeccompActionKind::Notify) return true;
    if (rule.conditions.empty()) return false;  // this rule decides every call
  }
  // In learn mode an unnamed sendmsg gets its own rule with the written default.
  if (filter.learn && syscall == kListenerSyscall && !named)
    return filter.default_action.kind == SeccompActionKind::Notify;
  // Some calls get the default action.
  return seccomp_loaded_default(filter).kind == SeccompActionKind::Notify;
}

SeccompAction seccomp_loaded_action(const SeccompFilter& filter, const SeccompAction& written,
                                    std::string_view syscall) {
  if (filter.learn && syscall != kListenerSyscall && learn_sends(written))
    return {SeccompActionKind::Notify, written.errno_value};
  return written;
}

SeccompAction seccomp_loaded_default(const SeccompFilter& filter) {
  const SeccompAction& d = filter.default_action;
  if (filter.learn && learn_sends(d)) return {SeccompActionKind::Notify, d.errno_value};
  return d;
}

}  // namespace ringfence::policy

#include <seccomp.h>

#include <cstdlib>

#include <fmt/core.h>
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

std::string seccomp_syscall_name(std::uint32_t arch, int nr) {
  // x32 calls arrive as AUDIT_ARCH_X86_64 with the x32 bit set in nr.
  if (arch == SCMP_ARCH_X86_64 && (nr & 0x40000000)) arch = SCMP_ARCH_X32;
  char* raw = seccomp_syscall_resolve_num_arch(arch, nr);
  if (raw == nullptr) return "";
  std::string name = raw;
  std::free(raw);
  return name;
}

std::string seccomp_arch_name(std::uint32_t arch) {
  switch (arch) {
    case SCMP_ARCH_X86_64: return "x86_64";
    case SCMP_ARCH_X86: return "x86";
    case SCMP_ARCH_X32: return "x32";
    case SCMP_ARCH_AARCH64: return "aarch64";
    case SCMP_ARCH_ARM: return "arm";
    default: break;
  }
  return fmt::format("0x{:08x}", arch);
}

namespace {
bool all_hold(const SeccompRule& rule, const std::array<std::uint64_t, 6>& args) {
  for (const auto& c : rule.conditions)
    if (c.index >= 6 || !holds(c, args[c.index])) return false;
  return true;
}
}  // namespace

const SeccompRule* seccomp_match(const SeccompFilter& filter, std::uint32_t arch, int nr,
                                 const std::array<std::uint64_t, 6>& args) {
  const std::string name = seccomp_syscall_name(arch, nr);
  if (name.empty()) return nullptr;
  for (const auto& rule : filter.rules)
    if (names(rule, name) && all_hold(rule, args)) return &rule;
  return nullptr;
}

SeccompRuleIndex::SeccompRuleIndex(const SeccompFilter& filter) {
  for (const auto& rule : filter.rules)
    for (const auto& s : rule.syscalls) by_name_[s].push_back(&rule);
}

const SeccompRule* SeccompRuleIndex::match(std::string_view name, const std::array<std::uint64_t, 6>& args) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  for (const SeccompRule* rule : it->second)
    if (all_hold(*rule, args)) return rule;
  return nullptr;
}

const SeccompRule* SeccompRuleIndex::deciding(std::string_view name, SeccompActionKind taken) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  for (const SeccompRule* rule : it->second)
    if (rule->action.kind == taken) return rule;
  return nullptr;
}

}  // namespace ringfence::policy
