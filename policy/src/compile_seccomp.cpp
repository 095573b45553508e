// Resolving the seccomp rule set: base rules below every profile layer; a
// layer that names a syscall replaces what the layers below said about it;
// capability, architecture and kernel conditions are decided here, for this
// profile, as Docker decides them for a container.
#include <seccomp.h>
#include <sys/utsname.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base_codec.h"
#include "compile_context.h"
#include "ringfence/base/text_file.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_base.h"
#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {
namespace {

// The built-in base was read and checked at build time
// (tools/gen_seccomp_base.cpp); it is decoded once per process.
const std::optional<SeccompBase>& default_base(Diagnostics& diags) {
  static std::optional<SeccompBase> cached;
  static Diagnostics cached_diags;
  static std::once_flag once;
  std::call_once(once, [] { cached = decode_seccomp_base(default_seccomp_base_json(), kDefaultSeccompBase, cached_diags); });
  diags.append(cached_diags);
  return cached;
}

std::vector<int> version_numbers(const std::string& release) {
  std::vector<int> out;
  std::size_t i = 0;
  while (out.size() < 3 && i < release.size() && std::isdigit(static_cast<unsigned char>(release[i]))) {
    int n = 0;
    // Saturate: "99999999999999999999" is a very new kernel, not an overflow.
    while (i < release.size() && std::isdigit(static_cast<unsigned char>(release[i]))) {
      const int digit = release[i++] - '0';
      n = n > (INT_MAX - digit) / 10 ? INT_MAX : n * 10 + digit;
    }
    out.push_back(n);
    if (i < release.size() && release[i] == '.') ++i;
  }
  while (out.size() < 3) out.push_back(0);
  return out;
}

std::string running_kernel() {
  struct utsname u {};
  if (uname(&u) != 0) return "0";
  return u.release;
}

// Is the rule part of this profile's filter? Docker's semantics: every
// `caps` entry must be in the capability set, no `not_caps` entry may be;
// `arches` are compared with the native architecture only.
bool included(const SeccompRuleEntry& r, std::uint64_t caps, const std::string& native,
              const std::vector<int>& kernel) {
  for (const auto& c : r.caps.value) {
    auto n = capability_from_name(c.value);
    if (!n || !(caps & (std::uint64_t{1} << *n))) return false;
  }
  for (const auto& c : r.not_caps.value) {
    auto n = capability_from_name(c.value);
    if (n && (caps & (std::uint64_t{1} << *n))) return false;
  }
  if (r.arches.is_set() && !r.arches.value.empty()) {
    bool found = false;
    for (const auto& a : r.arches.value) found = found || normalize_arch(a.value) == native;
    if (!found) return false;
  }
  for (const auto& a : r.not_arches.value)
    if (normalize_arch(a.value) == native) return false;
  if (r.min_kernel.is_set() && kernel < version_numbers(r.min_kernel.value)) return false;
  return true;
}

SeccompAction rule_action(const SeccompRuleEntry& r) {
  SeccompAction a;
  a.kind = seccomp_action_from_name(r.action.value).value_or(SeccompActionKind::Errno);
  if (a.kind == SeccompActionKind::Errno || a.kind == SeccompActionKind::Notify)
    a.errno_value = r.errno_ret.is_set() ? r.errno_ret.value.number : 1;  // EPERM, as Docker
  return a;
}

// libseccomp refuses SCMP_ACT_ERRNO(n) for n >= 4095 (the kernel itself
// caps the errno at 4095), so the profile's range 0-4095 has one value too
// many: say so at the rule, not later as EINVAL from the enforcer.
constexpr int kMaxFilterErrno = 4094;

void check_errno(const SeccompAction& a, const SourceLocation& at, Diagnostics& diags) {
  if ((a.kind == SeccompActionKind::Errno || a.kind == SeccompActionKind::Notify) && a.errno_value > kMaxFilterErrno)
    diags.error(at, fmt::format("seccomp: errno {} is out of range for a filter (at most {})", a.errno_value,
                                kMaxFilterErrno));
}

// Conditions as the filter will test them. Equality on an int-typed
// argument becomes a comparison of the low 32 bits (see argument_is_int).
std::vector<SeccompCondition> rule_conditions(const SeccompRuleEntry& r) {
  std::vector<SeccompCondition> out;
  for (const auto& a : r.args.value) {
    SeccompCondition c;
    c.index = static_cast<unsigned>(a.index.value);
    c.op = seccomp_op_from_name(a.op.value).value_or(SeccompOp::Eq);
    c.value = a.value.value.bits;
    c.mask = a.mask.value.bits;
    bool narrow = a.width.is_set() && a.width.value == 32;
    if (!a.width.is_set() && (c.op == SeccompOp::Eq || c.op == SeccompOp::MaskedEq)) {
      narrow = !r.syscalls.value.empty();
      for (const auto& s : r.syscalls.value) narrow = narrow && argument_is_int(s.value, c.index);
    }
    if (narrow) {
      if (c.op == SeccompOp::Eq) {
        c.op = SeccompOp::MaskedEq;
        c.mask = 0xffffffffULL;
      } else {
        c.mask &= 0xffffffffULL;
      }
      c.value &= 0xffffffffULL;
    }
    out.push_back(c);
  }
  return out;
}

std::string relative_base_path(const std::string& ref, const SourceLocation& from) {
  std::filesystem::path path(ref);
  // Relative to the profile file that names it; from the command line or a
  // shipped profile, relative to the working directory.
  if (path.is_relative() && from.known() && !from.on_command_line() && from.file.front() != '<' &&
      !from.file.starts_with("shipped:"))
    path = std::filesystem::path(from.file).parent_path() / path;
  return path.lexically_normal().string();
}

}  // namespace

std::optional<SeccompBase> load_seccomp_base(const std::string& ref, const SourceLocation& from, Diagnostics& diags) {
  if (ref.empty()) return std::nullopt;  // reported by the validator
  if (ref == "none") return SeccompBase{};
  if (ref == "default") return default_base(diags);
  // "FILE.json:/json/pointer" is a seccomp object inside a larger file: an
  // OCI bundle's config.json:/linux/seccomp. It is read as a base, with the
  // semantics runc and crun give an engine's profile.
  std::string pointer;
  std::string file_ref = ref;
  if (const auto at = ref.find(".json:/"); at != std::string::npos) {
    file_ref = ref.substr(0, at + 5);
    pointer = ref.substr(at + 6);
  }
  const std::string path = relative_base_path(file_ref, from);
  auto text = read_text_file(path);
  if (!text) {
    diags.error(from, fmt::format("cannot read seccomp base '{}': {}", path, text.status().message));
    return std::nullopt;
  }
  if (pointer.empty()) return import_seccomp_json(*text, path, diags);
  try {
    const auto whole = nlohmann::json::parse(*text);
    const nlohmann::json::json_pointer ptr(pointer);
    if (!whole.contains(ptr)) {
      diags.error(from, fmt::format("seccomp base '{}': {} has nothing at {}", ref, path, pointer));
      return std::nullopt;
    }
    return import_seccomp_json(whole.at(ptr).dump(), path + ":" + pointer, diags);
  } catch (const nlohmann::json::exception& e) {
    diags.error(from, fmt::format("seccomp base '{}': {}", ref, e.what()));
    return std::nullopt;
  }
}

std::optional<SeccompFilter> resolve_seccomp(CompileContext& ctx) {
  const auto& s = ctx.p.seccomp;
  if (ctx.privileged || !s.enabled.value) return std::nullopt;

  SeccompFilter filter;
  filter.arches = native_and_sub_arches();
  if (filter.arches.empty()) {
    ctx.diags.error({}, "seccomp: this host's architecture is not supported");
    return std::nullopt;
  }
  auto base = load_seccomp_base(s.base.value, s.base.origin, ctx.diags);
  if (!base) return std::nullopt;

  // Default action: built-in < base < profile.
  std::string action = s.default_action.value;
  int errno_value = s.default_errno.value.number;
  if (!s.default_action.is_set() && base->default_action.is_set()) {
    action = base->default_action.value;
    if (base->default_errno.is_set()) errno_value = base->default_errno.value.number;
  }
  if (s.default_errno.is_set()) errno_value = s.default_errno.value.number;
  filter.default_action.kind = seccomp_action_from_name(action).value_or(SeccompActionKind::Errno);
  if (filter.default_action.kind == SeccompActionKind::Errno || filter.default_action.kind == SeccompActionKind::Notify)
    filter.default_action.errno_value = errno_value;
  check_errno(filter.default_action,
              s.default_errno.is_set() ? s.default_errno.origin : base->default_errno.origin, ctx.diags);
  if (filter.default_action.kind == SeccompActionKind::Allow && s.rules.items.empty() && base->rules.empty())
    ctx.diags.warning(s.default_action.origin, "seccomp allows every syscall; use 'enabled = false' to say so");
  filter.audit = s.audit.value;
  filter.learn = ctx.options.learn;

  std::vector<const SeccompRuleEntry*> entries;
  for (const auto& r : base->rules) entries.push_back(&r);
  for (const auto& r : s.rules.items) entries.push_back(&r);

  const std::string native = filter.arches.front();
  const auto kernel =
      version_numbers(ctx.options.kernel_release.empty() ? running_kernel() : ctx.options.kernel_release);

  // The top layer that says something (that applies) about each syscall.
  std::vector<bool> applies(entries.size());
  std::map<std::string, int> top_layer;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& r = *entries[i];
    applies[i] = included(r, ctx.caps.bounding, native, kernel);
    if (!applies[i]) continue;
    for (const auto& name : r.syscalls.value) {
      if (!syscall_known(name.value)) continue;
      auto [it, fresh] = top_layer.emplace(name.value, r.layer);
      if (!fresh && r.layer > it->second) it->second = r.layer;
    }
  }

  // A base file is read as runc and crun load it into libseccomp, where a
  // rule without arguments decides its syscall alone and, of two such
  // rules, the first one added wins. podman's own profile relies on that
  // (setns is in its allow-list and in a rule that denies it without
  // CAP_SYS_ADMIN). In a profile the same conflicts are errors (below).
  std::map<std::string, std::size_t> base_decider;  // syscall -> its first applying base rule without arguments
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& r = *entries[i];
    if (!applies[i] || r.layer >= 0 || !r.args.value.empty()) continue;
    for (const auto& name : r.syscalls.value)
      if (syscall_known(name.value) && top_layer[name.value] == r.layer) base_decider.emplace(name.value, i);
  }

  struct Said {
    SeccompAction action;
    std::vector<SeccompCondition> conditions;
    SourceLocation at;
  };
  std::map<std::string, std::vector<Said>> said;  // per syscall, in the winning layer
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!applies[i]) continue;
    const auto& r = *entries[i];
    SeccompRule rule;
    rule.action = rule_action(r);
    check_errno(rule.action, r.errno_ret.is_set() ? r.errno_ret.origin : r.loc, ctx.diags);
    rule.conditions = rule_conditions(r);
    rule.from = r.loc;
    rule.comment = r.comment.value;
    for (const auto& name : r.syscalls.value) {
      if (!syscall_known(name.value) || top_layer[name.value] != r.layer) continue;
      if (auto d = base_decider.find(name.value); r.layer < 0 && d != base_decider.end() && d->second != i) {
        const SeccompAction decided = rule_action(*entries[d->second]);
        if (decided != rule.action)
          ctx.diags.warning(name.loc, fmt::format("seccomp: {} has a rule without arguments for '{}' ({}) and "
                                                  "another rule for it ({}); as under runc and crun, only the "
                                                  "first rule without arguments counts",
                                                  r.loc.file, name.value, seccomp_action_name(decided.kind),
                                                  seccomp_action_name(rule.action.kind)));
        continue;
      }
      auto& before = said[name.value];
      bool duplicate = false;
      for (const auto& b : before) {
        if (b.conditions == rule.conditions && b.action == rule.action) {
          duplicate = true;
        } else if (b.conditions.empty() && rule.conditions.empty()) {
          ctx.diags.error(name.loc, fmt::format("seccomp: '{}' already has a rule with another action at {}:{}",
                                                name.value, b.at.file, b.at.line));
          duplicate = true;
        } else if (b.conditions.empty() != rule.conditions.empty() && b.action != rule.action) {
          ctx.diags.error(name.loc, fmt::format("seccomp: '{}' has a rule without arguments and one with arguments "
                                                "that act differently (the other at {}:{}); write both with "
                                                "arguments or keep one",
                                                name.value, b.at.file, b.at.line));
          duplicate = true;
        }
      }
      if (duplicate) continue;
      before.push_back({rule.action, rule.conditions, r.loc});
      rule.syscalls.push_back(name.value);
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
  for (const auto& arch_name : permissive ? std::vector<std::string>{} : filter.arches) {
    const uint32_t arch = seccomp_arch_resolve_name(arch_name.c_str());
    std::uint32_t highest = 0;
    for (const auto& rule : filter.rules)
      for (const auto& name : rule.syscalls) {
        const int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
        if (nr >= 0 && static_cast<std::uint32_t>(nr) > highest) highest = static_cast<std::uint32_t>(nr);
      }
    if (highest > 0) filter.enosys_above[arch_name] = highest;
  }
  return filter;
}

}  // namespace ringfence::policy
