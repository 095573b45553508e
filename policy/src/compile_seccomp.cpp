// Resolving the seccomp rule set: base rules below every profile layer; a
// layer that names a syscall replaces what the layers below said about it;
// capability, architecture and kernel conditions are decided here, for this
// profile, as Docker decides them for a container. Syscalls are handled as
// ids (syscall_table.h) and the rules come prepared (seccomp_prepared.h):
// what is the same for every compile of the process is not redone per compile.
#include <climits>
#include <cstdint>

#include <fmt/format.h>

#include "compile_context.h"
#include "ringfence/policy/merge.h"
#include "ringfence/policy/seccomp_vocab.h"
#include "seccomp_prepared.h"

namespace ringfence::policy {
namespace {

// libseccomp refuses SCMP_ACT_ERRNO(n) for n >= 4095 (the kernel itself
// caps the errno at 4095), so the profile's range 0-4095 has one value too
// many: say so at the rule, not later as EINVAL from the enforcer.
constexpr int kMaxFilterErrno = 4094;

void check_errno(const SeccompAction& a, const SourceLocation& at, Diagnostics& diags) {
  if ((a.kind == SeccompActionKind::Errno || a.kind == SeccompActionKind::Notify) && a.errno_value > kMaxFilterErrno)
    diags.error(at, fmt::format("seccomp: errno {} is out of range for a filter (at most {})", a.errno_value,
                                kMaxFilterErrno));
}

// Whether `at` is in the site policy's floor layer (site_floor.cpp): a value
// the administrator forced on the request.
bool set_by_site_floor(const CompileContext& ctx, const SourceLocation& at) {
  for (const auto& l : ctx.layers)
    if (is_site_floor_layer(l) && at.known() && l.file == at.file) return true;
  return false;
}

constexpr int kNoLayer = INT_MIN;
constexpr std::uint32_t kNoEntry = UINT32_MAX;

}  // namespace

std::optional<SeccompFilter> resolve_seccomp(CompileContext& ctx) {
  const auto& s = ctx.p.seccomp;
  if (ctx.privileged || !s.enabled.value) return std::nullopt;

  SeccompFilter filter;
  filter.arches = native_and_sub_arches();
  if (filter.arches.empty()) {
    ctx.diags.error({}, "seccomp: this host's architecture is not supported");
    return std::nullopt;
  }
  const auto prepared = load_prepared_base(s.base.value, s.base.origin, ctx.diags);
  if (!prepared) return std::nullopt;
  const SeccompBase& base = prepared->base;

  // Default action: built-in < base < profile.
  std::string action = s.default_action.value;
  int errno_value = s.default_errno.value.number;
  if (!s.default_action.is_set() && base.default_action.is_set()) {
    action = base.default_action.value;
    if (base.default_errno.is_set()) errno_value = base.default_errno.value.number;
  }
  if (s.default_errno.is_set()) errno_value = s.default_errno.value.number;
  filter.default_action.kind = seccomp_action_from_name(action).value_or(SeccompActionKind::Errno);
  if (filter.default_action.kind == SeccompActionKind::Errno || filter.default_action.kind == SeccompActionKind::Notify)
    filter.default_action.errno_value = errno_value;
  check_errno(filter.default_action,
              s.default_errno.is_set() ? s.default_errno.origin : base.default_errno.origin, ctx.diags);
  if (filter.default_action.kind == SeccompActionKind::Allow && s.rules.items.empty() && base.rules.empty())
    ctx.diags.warning(s.default_action.origin, "seccomp allows every syscall; use 'enabled = false' to say so");
  filter.audit = s.audit.value;
  filter.audit_required = filter.audit && set_by_site_floor(ctx, s.audit.origin);
  filter.learn = ctx.options.learn;

  std::vector<PreparedRule> own;
  own.reserve(s.rules.items.size());
  for (const auto& r : s.rules.items) own.push_back(prepare_rule(r));
  std::vector<const PreparedRule*> entries;
  entries.reserve(prepared->rules.size() + own.size());
  for (const auto& r : prepared->rules) entries.push_back(&r);
  for (const auto& r : own) entries.push_back(&r);

  const auto kernel = ctx.options.kernel_release.empty() ? running_kernel_version()
                                                         : version_numbers(ctx.options.kernel_release);
  // Every id met above is below this: arrays indexed by id stand in for maps keyed by name.
  const std::size_t ids = syscall_id_count();

  // The top layer that says something (that applies) about each syscall.
  std::vector<bool> applies(entries.size());
  std::vector<int> top_layer(ids, kNoLayer);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& r = *entries[i];
    applies[i] = r.included(ctx.caps.bounding, kernel);
    if (!applies[i]) continue;
    for (const SyscallId id : r.ids)
      if (id != kUnknownSyscall && r.entry->layer > top_layer[id]) top_layer[id] = r.entry->layer;
  }

  // A base file is read as runc and crun load it into libseccomp, where a
  // rule without arguments decides its syscall alone and, of two such
  // rules, the first one added wins. podman's own profile relies on that
  // (setns is in its allow-list and in a rule that denies it without
  // CAP_SYS_ADMIN). In a profile the same conflicts are errors (below).
  std::vector<std::uint32_t> base_decider(ids, kNoEntry);  // syscall -> its first applying base rule without arguments
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& r = *entries[i];
    if (!applies[i] || r.entry->layer >= 0 || !r.conditions.empty()) continue;
    for (const SyscallId id : r.ids)
      if (id != kUnknownSyscall && top_layer[id] == r.entry->layer && base_decider[id] == kNoEntry)
        base_decider[id] = static_cast<std::uint32_t>(i);
  }

  // What each syscall has been given so far in its winning layer: a list per
  // syscall, linked through one pool, in the order the rules came.
  struct Said {
    std::uint32_t entry;
    std::uint32_t next = kNoEntry;
  };
  std::vector<Said> said;
  std::vector<std::uint32_t> said_first(ids, kNoEntry), said_last(ids, kNoEntry);
  std::vector<SyscallId> in_filter;  // every syscall of every rule kept, for the ENOSYS threshold
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!applies[i]) continue;
    const auto& p = *entries[i];
    const auto& r = *p.entry;
    SeccompRule rule;
    rule.action = p.action;
    check_errno(rule.action, r.errno_ret.is_set() ? r.errno_ret.origin : r.loc, ctx.diags);
    rule.conditions = p.conditions;
    rule.from = r.loc;
    rule.comment = r.comment.value;
    for (std::size_t k = 0; k < p.ids.size(); ++k) {
      const SyscallId id = p.ids[k];
      const auto& name = r.syscalls.value[k];
      if (id == kUnknownSyscall || top_layer[id] != r.layer) continue;
      if (const std::uint32_t d = base_decider[id]; r.layer < 0 && d != kNoEntry && d != i) {
        const SeccompAction decided = entries[d]->action;
        if (decided != rule.action)
          ctx.diags.warning(name.loc, fmt::format("seccomp: {} has a rule without arguments for '{}' ({}) and "
                                                  "another rule for it ({}); as under runc and crun, only the "
                                                  "first rule without arguments counts",
                                                  r.loc.file, name.value, seccomp_action_name(decided.kind),
                                                  seccomp_action_name(rule.action.kind)));
        continue;
      }
      bool duplicate = false;
      for (std::uint32_t j = said_first[id]; j != kNoEntry; j = said[j].next) {
        const auto& b = *entries[said[j].entry];
        if (b.conditions == rule.conditions && b.action == rule.action) {
          duplicate = true;
        } else if (b.conditions.empty() && rule.conditions.empty()) {
          ctx.diags.error(name.loc, fmt::format("seccomp: '{}' already has a rule with another action at {}:{}",
                                                name.value, b.entry->loc.file, b.entry->loc.line));
          duplicate = true;
        } else if (b.conditions.empty() != rule.conditions.empty() && b.action != rule.action) {
          ctx.diags.error(name.loc, fmt::format("seccomp: '{}' has a rule without arguments and one with arguments "
                                                "that act differently (the other at {}:{}); write both with "
                                                "arguments or keep one",
                                                name.value, b.entry->loc.file, b.entry->loc.line));
          duplicate = true;
        }
      }
      if (duplicate) continue;
      const auto added = static_cast<std::uint32_t>(said.size());
      said.push_back({static_cast<std::uint32_t>(i)});
      if (said_last[id] == kNoEntry) {
        said_first[id] = added;
      } else {
        said[said_last[id]].next = added;
      }
      said_last[id] = added;
      rule.syscalls.push_back(name.value);
      in_filter.push_back(id);
    }
    if (!rule.syscalls.empty()) filter.rules.push_back(std::move(rule));
  }

  // Syscalls newer than anything the rules name answer ENOSYS, so that a
  // program falls back to an older call (glibc does for clone3, faccessat2,
  // close_range...) instead of failing on EPERM. runc does the same, and
  // like runc only for allow-lists: under a permissive default (allow, log)
  // the rules are a deny-list, and everything numbered above the highest
  // denied syscall — openat, clone3... — must keep the default action.
  const bool permissive = filter.default_action.kind == SeccompActionKind::Allow ||
                          filter.default_action.kind == SeccompActionKind::Log;
  if (!permissive) {
    const SyscallNumbers highest = highest_syscall_numbers(in_filter);
    for (std::size_t a = 0; a < filter.arches.size() && a < highest.size(); ++a)
      if (highest[a] > 0) filter.enosys_above[filter.arches[a]] = static_cast<std::uint32_t>(highest[a]);
  }
  return filter;
}

}  // namespace ringfence::policy
