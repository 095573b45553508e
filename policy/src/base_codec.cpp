#include "base_codec.h"

#include <nlohmann/json.hpp>

#include <type_traits>

namespace ringfence::policy {
namespace {

using nlohmann::json;

json at(const SourceLocation& l) { return json::array({l.line, l.column}); }
SourceLocation at(const json& j, const std::string& file) {
  return {file, j.at(0).get<std::uint32_t>(), j.at(1).get<std::uint32_t>()};
}

template <class T>
json value_json(const T& v) {
  if constexpr (std::is_same_v<T, ErrnoValue>) return v.number;
  else if constexpr (std::is_same_v<T, ArgValue>) return v.bits;
  else if constexpr (std::is_same_v<T, StringList>) {
    json out = json::array();
    for (const auto& item : v) out.push_back(json::array({item.value, item.loc.line, item.loc.column}));
    return out;
  } else return v;  // std::string, std::int64_t
}

template <class T>
T value_from(const json& j, const std::string& file) {
  if constexpr (std::is_same_v<T, ErrnoValue>) return ErrnoValue{j.get<int>()};
  else if constexpr (std::is_same_v<T, ArgValue>) return ArgValue{j.get<std::uint64_t>()};
  else if constexpr (std::is_same_v<T, StringList>) {
    StringList out;
    for (const auto& item : j)
      out.push_back({item.at(0).get<std::string>(), {file, item.at(1).get<std::uint32_t>(), item.at(2).get<std::uint32_t>()}, -1});
    return out;
  } else return j.get<T>();
}

struct Encoder;
template <class T>
json encode_entry(const T& entry);

// Walks a rule (or argument) and writes every key that is set.
struct Encoder {
  json out = json::object();

  template <class T>
  void operator()(const char* key, const Setting<T>& s) {
    if (s.is_set()) out[key] = json{{"v", value_json(s.value)}, {"at", at(s.origin)}};
  }
  template <class T>
  void operator()(const char* key, const Setting<std::vector<T>>& s) {
    if (!s.is_set()) return;
    json list = json::array();
    for (const auto& e : s.value) list.push_back(encode_entry(e));
    out[key] = json{{"v", list}, {"at", at(s.origin)}};
  }
  void operator()(const char* key, const Setting<StringList>& s) {
    if (s.is_set()) out[key] = json{{"v", value_json(s.value)}, {"at", at(s.origin)}};
  }
};

template <class T>
json encode_entry(const T& entry) {
  Encoder e;
  T::fields(e, entry);
  e.out["at"] = at(entry.loc);
  return e.out;
}

template <class T>
T decode_entry(const json& j, const std::string& file);

struct Decoder {
  const json& in;
  const std::string& file;

  template <class T>
  void operator()(const char* key, Setting<T>& s) {
    if (!in.contains(key)) return;
    s.value = value_from<T>(in[key].at("v"), file);
    s.origin = at(in[key].at("at"), file);
  }
  template <class T>
  void operator()(const char* key, Setting<std::vector<T>>& s) {
    if (!in.contains(key)) return;
    for (const auto& e : in[key].at("v")) s.value.push_back(decode_entry<T>(e, file));
    s.origin = at(in[key].at("at"), file);
  }
  void operator()(const char* key, Setting<StringList>& s) {
    if (!in.contains(key)) return;
    s.value = value_from<StringList>(in[key].at("v"), file);
    s.origin = at(in[key].at("at"), file);
  }
};

template <class T>
T decode_entry(const json& j, const std::string& file) {
  T entry;
  Decoder d{j, file};
  T::fields(d, entry);
  entry.loc = at(j.at("at"), file);
  entry.layer = -1;
  return entry;
}

}  // namespace

std::string encode_seccomp_base(const SeccompBase& base) {
  json out;
  json rules = json::array();
  for (const auto& r : base.rules) rules.push_back(encode_entry(r));
  out["rules"] = rules;
  if (base.default_action.is_set())
    out["default_action"] = json{{"v", base.default_action.value}, {"at", at(base.default_action.origin)}};
  if (base.default_errno.is_set())
    out["default_errno"] = json{{"v", base.default_errno.value.number}, {"at", at(base.default_errno.origin)}};
  return out.dump();
}

std::optional<SeccompBase> decode_seccomp_base(std::string_view text, const std::string& file, Diagnostics& diags) {
  try {
    const json in = json::parse(text.begin(), text.end());
    SeccompBase base;
    for (const auto& r : in.at("rules")) base.rules.push_back(decode_entry<SeccompRuleEntry>(r, file));
    if (in.contains("default_action"))
      base.default_action = {in["default_action"].at("v").get<std::string>(), at(in["default_action"].at("at"), file)};
    if (in.contains("default_errno"))
      base.default_errno = {ErrnoValue{in["default_errno"].at("v").get<int>()}, at(in["default_errno"].at("at"), file)};
    return base;
  } catch (const std::exception& e) {
    diags.error({file, 0, 0}, std::string("the built-in seccomp base is damaged: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace ringfence::policy
