#include "syntax.h"

#include <cctype>
#include <cstdint>

namespace ringfence::policy::syntax {
namespace {

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!digit(c)) return false;
  return true;
}

// [A-Za-z_][A-Za-z0-9_.-]*, with an optional final '$' when `dollar`.
bool is_unix_name(std::string_view s, bool dollar) {
  if (dollar && !s.empty() && s.back() == '$') s.remove_suffix(1);
  if (s.empty() || !(alpha(s[0]) || s[0] == '_')) return false;
  for (char c : s)
    if (!(alnum(c) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

// Consumes digits at `i`; false when there are none, or when the number
// is too large to be a CPU, a node, a version part or a category (a typo).
bool number(std::string_view s, std::size_t& i, std::uint64_t& value) {
  const std::size_t start = i;
  value = 0;
  bool too_large = false;
  while (i < s.size() && digit(s[i])) {
    value = value * 10 + static_cast<std::uint64_t>(s[i] - '0');
    too_large = too_large || value > 0xffffffffULL;
    ++i;
  }
  return i > start && !too_large;
}

}  // namespace

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > 128 || !alnum(s[0])) return false;
  for (char c : s)
    if (!(alnum(c) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

bool is_user_spec(std::string_view s) {
  const auto colon = s.find(':');
  const std::string_view user = s.substr(0, colon);
  if (!(all_digits(user) || is_unix_name(user, true))) return false;
  if (colon == std::string_view::npos) return true;
  return is_group(s.substr(colon + 1));
}

bool is_group(std::string_view s) { return all_digits(s) || is_unix_name(s, false); }

bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || !alnum(label.front()) || !alnum(label.back())) return false;
    for (char c : label)
      if (!(alnum(c) || c == '-')) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_kernel_version(std::string_view s) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  for (int part = 0; part < 3; ++part) {
    if (!number(s, i, v)) return false;
    if (i == s.size()) return true;
    if (s[i] != '.' || part == 2) return false;
    ++i;
  }
  return false;
}

bool is_cpu_list(std::string_view s) {
  std::size_t i = 0;
  while (true) {
    std::uint64_t from = 0, to = 0;
    if (!number(s, i, from)) return false;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!number(s, i, to) || to < from) return false;  // "3-1" is a typo, not an empty set
    }
    if (i == s.size()) return true;
    if (s[i] != ',') return false;
    ++i;
  }
}

bool is_apparmor_name(std::string_view s) {
  auto ok = [](char c, bool first) {
    return alnum(c) || c == '_' || c == '.' || c == '/' || c == '@' || c == '+' || c == '-' || (!first && c == ':');
  };
  if (s.empty() || !ok(s[0], true)) return false;
  for (char c : s.substr(1))
    if (!ok(c, false)) return false;
  return true;
}

bool is_selinux_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(alnum(c) || c == '_')) return false;
  return true;
}

bool is_mls_level(std::string_view s) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  auto sensitivity = [&]() { return i < s.size() && s[i++] == 's' && number(s, i, v); };
  if (!sensitivity()) return false;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!sensitivity()) return false;
  }
  if (i == s.size()) return true;
  if (s[i++] != ':') return false;
  // c0, then [.,]cN repeated
  auto category = [&]() { return i < s.size() && s[i++] == 'c' && number(s, i, v); };
  if (!category()) return false;
  while (i < s.size()) {
    if (s[i] != '.' && s[i] != ',') return false;
    ++i;
    if (!category()) return false;
  }
  return true;
}

bool is_sha256_digest(std::string_view s) {
  constexpr std::string_view prefix = "sha256:";
  if (s.size() != prefix.size() + 64 || s.substr(0, prefix.size()) != prefix) return false;
  for (char c : s.substr(prefix.size()))
    if (!(digit(c) || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_rule_id(std::string_view s) {
  if (s.size() < 8 || s.substr(0, 3) != "RF-") return false;
  std::size_t i = 3;
  const std::size_t letters = i;
  while (i < s.size() && s[i] >= 'A' && s[i] <= 'Z') ++i;
  if (i == letters || i >= s.size() || s[i] != '-') return false;
  ++i;
  return s.size() - i == 3 && all_digits(s.substr(i));
}

}  // namespace ringfence::policy::syntax
