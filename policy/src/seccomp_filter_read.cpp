// A seccomp filter read back from the plan's JSON of it (plan_json.cpp,
// seccomp_filter_json): the inverse, for a process that acts on the filter
// but never compiled it. What it reads was written by ringfence itself, but
// it is checked all the same: a description that does not say what it
// should is refused, never half-read.
#include "ringfence/policy/plan_json.h"

#include <cerrno>
#include <charconv>
#include <string_view>

#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {
namespace {

using nlohmann::json;

Status bad(const std::string& what) { return Status::failure("the seccomp filter's description: " + what, EINVAL); }

std::optional<std::uint64_t> number_from_hex(const json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string_view text = j.get_ref<const std::string&>();
  if (text.rfind("0x", 0) == 0) text.remove_prefix(2);
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "FILE:LINE:COLUMN", "FILE" or "built-in", as where() in plan_json.cpp
// writes it. Only its text is ever used again, and a file name with colons
// in it renders back to the same text.
SourceLocation location_from_text(const std::string& text) {
  SourceLocation at;
  if (text == "built-in") return at;
  const auto col_colon = text.rfind(':');
  const auto line_colon = col_colon == std::string::npos || col_colon == 0 ? std::string::npos
                                                                             : text.rfind(':', col_colon - 1);
  auto digits = [](std::string_view s, std::uint32_t& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  std::uint32_t line = 0, column = 0;
  if (line_colon != std::string::npos &&
      digits(std::string_view(text).substr(line_colon + 1, col_colon - line_colon - 1), line) &&
      digits(std::string_view(text).substr(col_colon + 1), column) && line > 0) {
    at.file = text.substr(0, line_colon);
    at.line = line;
    at.column = column;
    return at;
  }
  at.file = text;
  return at;
}

Result<SeccompAction> action_from_json(const json& j) {
  if (!j.is_object() || !j.contains("action") || !j["action"].is_string()) return bad("an action without a name");
  const auto kind = seccomp_action_from_name(j["action"].get_ref<const std::string&>());
  if (!kind) return bad("unknown action " + j["action"].dump());
  SeccompAction action{*kind, 0};
  if (j.contains("errno")) {
    const auto number = j["errno"].is_string() ? errno_from_name(j["errno"].get_ref<const std::string&>()) : std::nullopt;
    if (!number) return bad("unknown errno " + j["errno"].dump());
    action.errno_value = *number;
  }
  return action;
}

Result<SeccompCondition> condition_from_json(const json& j) {
  if (!j.is_object() || !j.contains("index") || !j["index"].is_number_unsigned() || !j.contains("op") ||
      !j["op"].is_string() || !j.contains("value"))
    return bad("a malformed argument condition");
  SeccompCondition c;
  c.index = j["index"].get<unsigned>();
  const auto op = seccomp_op_from_name(j["op"].get_ref<const std::string&>());
  const auto value = number_from_hex(j["value"]);
  if (!op || !value || c.index > 5) return bad("a malformed argument condition " + j.dump());
  c.op = *op;
  c.value = *value;
  if (c.op == SeccompOp::MaskedEq) {
    const auto mask = j.contains("mask") ? number_from_hex(j["mask"]) : std::nullopt;
    if (!mask) return bad("a masked condition without its mask");
    c.mask = *mask;
  }
  return c;
}

Result<SeccompRule> rule_from_json(const json& j) {
  auto action = action_from_json(j);
  if (!action) return action.status();
  SeccompRule rule;
  rule.action = *action;
  if (!j.contains("syscalls") || !j["syscalls"].is_array()) return bad("a rule without its syscalls");
  for (const auto& name : j["syscalls"]) {
    if (!name.is_string()) return bad("a syscall name that is not a string");
    rule.syscalls.push_back(name.get<std::string>());
  }
  if (j.contains("args")) {
    if (!j["args"].is_array()) return bad("a rule's conditions are not a list");
    for (const auto& c : j["args"]) {
      auto condition = condition_from_json(c);
      if (!condition) return condition.status();
      rule.conditions.push_back(*condition);
    }
  }
  if (j.contains("from") && j["from"].is_string()) rule.from = location_from_text(j["from"].get<std::string>());
  if (j.contains("comment") && j["comment"].is_string()) rule.comment = j["comment"].get<std::string>();
  return rule;
}

}  // namespace

Result<SeccompFilter> seccomp_filter_from_json(const json& j) {
  if (!j.is_object() || !j.contains("default") || !j.contains("rules") || !j["rules"].is_array() ||
      !j.contains("arches") || !j["arches"].is_array())
    return bad("not a filter");
  SeccompFilter filter;
  auto fallback = action_from_json(j["default"]);
  if (!fallback) return fallback.status();
  filter.default_action = *fallback;
  for (const auto& arch : j["arches"]) {
    if (!arch.is_string()) return bad("an architecture that is not a string");
    filter.arches.push_back(arch.get<std::string>());
  }
  if (j.contains("enosys_above")) {
    if (!j["enosys_above"].is_object()) return bad("enosys_above is not a table");
    for (const auto& [arch, nr] : j["enosys_above"].items()) {
      if (!nr.is_number_unsigned()) return bad("enosys_above." + arch + " is not a number");
      filter.enosys_above[arch] = nr.get<std::uint32_t>();
    }
  }
  for (const auto& r : j["rules"]) {
    auto rule = rule_from_json(r);
    if (!rule) return rule.status();
    filter.rules.push_back(std::move(*rule));
  }
  for (auto [key, flag] : {std::pair{"audit", &filter.audit}, std::pair{"learn", &filter.learn},
                           std::pair{"audit_required", &filter.audit_required}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_boolean()) return bad(std::string(key) + " is not true or false");
    *flag = j[key].get<bool>();
  }
  return filter;
}

}  // namespace ringfence::policy
