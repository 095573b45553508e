// Reading a seccomp base by reference and preparing rules for the resolver
// (compile_seccomp.cpp).
#include "seccomp_prepared.h"

#include <sys/utsname.h>

#include <cctype>
#include <climits>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compact_codec.h"
#include "ringfence/base/text_file.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {
namespace {

std::string running_kernel() {
  struct utsname u {};
  if (uname(&u) != 0) return "0";
  return u.release;
}

SeccompAction rule_action(const SeccompRuleEntry& r) {
  SeccompAction a;
  a.kind = seccomp_action_from_name(r.action.value).value_or(SeccompActionKind::Errno);
  if (a.kind == SeccompActionKind::Errno || a.kind == SeccompActionKind::Notify)
    a.errno_value = r.errno_ret.is_set() ? r.errno_ret.value.number : 1;  // EPERM, as Docker
  return a;
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

// `arches` and `not_arches` decided against the native architecture, which
// is the same for the whole process.
bool arch_excluded(const SeccompRuleEntry& r) {
  if (r.arches.value.empty() && r.not_arches.value.empty()) return false;
  const auto arches = native_and_sub_arches();
  if (arches.empty()) return false;  // the resolver refuses such a host before it looks at rules
  const std::string& native = arches.front();
  if (r.arches.is_set() && !r.arches.value.empty()) {
    bool found = false;
    for (const auto& a : r.arches.value) found = found || normalize_arch(a.value) == native;
    if (!found) return true;
  }
  for (const auto& a : r.not_arches.value)
    if (normalize_arch(a.value) == native) return true;
  return false;
}

std::shared_ptr<PreparedBase> prepare_base(SeccompBase base) {
  auto out = std::make_shared<PreparedBase>();
  out->base = std::move(base);
  out->rules.reserve(out->base.rules.size());
  for (const auto& r : out->base.rules) out->rules.push_back(prepare_rule(r));
  return out;
}

// The built-in base was read and checked at build time
// (tools/gen_seccomp_base.cpp); it is decoded and prepared once per process.
const std::shared_ptr<const PreparedBase>& default_base(Diagnostics& diags) {
  static std::shared_ptr<const PreparedBase> cached;
  static Diagnostics cached_diags;
  static std::once_flag once;
  std::call_once(once, [] {
    if (auto base = decode_seccomp_base(default_seccomp_base_encoded(), kDefaultSeccompBase, cached_diags))
      cached = prepare_base(std::move(*base));
  });
  diags.append(cached_diags);
  return cached;
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

// A base other than the built-in one, read from its file each time (the
// file may change between compiles of one process).
std::optional<SeccompBase> read_base_file(const std::string& ref, const SourceLocation& from, Diagnostics& diags) {
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

}  // namespace

bool PreparedRule::included(std::uint64_t caps, const std::vector<int>& kernel) const {
  if (caps_unknown || (caps & caps_needed) != caps_needed || (caps & caps_excluded) != 0 || arch_excluded)
    return false;
  return !min_kernel || !(kernel < *min_kernel);
}

PreparedRule prepare_rule(const SeccompRuleEntry& r) {
  PreparedRule p;
  p.entry = &r;
  std::vector<std::string_view> names;
  names.reserve(r.syscalls.value.size());
  for (const auto& s : r.syscalls.value) names.emplace_back(s.value);
  p.ids = syscall_ids(names);
  p.action = rule_action(r);
  p.conditions = rule_conditions(r);
  for (const auto& c : r.caps.value) {
    if (const auto n = capability_from_name(c.value)) {
      p.caps_needed |= std::uint64_t{1} << *n;
    } else {
      p.caps_unknown = true;
    }
  }
  for (const auto& c : r.not_caps.value)
    if (const auto n = capability_from_name(c.value)) p.caps_excluded |= std::uint64_t{1} << *n;
  p.arch_excluded = arch_excluded(r);
  if (r.min_kernel.is_set()) p.min_kernel = version_numbers(r.min_kernel.value);
  return p;
}

std::optional<SeccompBase> load_seccomp_base(const std::string& ref, const SourceLocation& from, Diagnostics& diags) {
  if (ref.empty()) return std::nullopt;  // reported by the validator
  if (ref == "none") return SeccompBase{};
  if (ref == "default") {
    const auto& prepared = default_base(diags);
    if (!prepared) return std::nullopt;
    return prepared->base;
  }
  return read_base_file(ref, from, diags);
}

std::shared_ptr<const PreparedBase> load_prepared_base(const std::string& ref, const SourceLocation& from,
                                                       Diagnostics& diags) {
  if (ref == "default") return default_base(diags);
  auto base = load_seccomp_base(ref, from, diags);
  if (!base) return nullptr;
  return prepare_base(std::move(*base));
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

const std::vector<int>& running_kernel_version() {
  static const std::vector<int> version = version_numbers(running_kernel());
  return version;
}

}  // namespace ringfence::policy
