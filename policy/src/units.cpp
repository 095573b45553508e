#include "ringfence/policy/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace ringfence::policy {

std::optional<double> parse_decimal(std::string_view text) {
  // Only digits with at most one dot: no exponents, signs, hex or spaces.
  if (text.empty()) return std::nullopt;
  int dots = 0, digits = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (dots > 1 || digits == 0) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_byte_size(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  auto number = parse_decimal(text.substr(0, i));
  if (!number) return std::nullopt;
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // "m", "mb" and "mib" all mean 2^20, as in Docker.
  if (unit.size() == 3 && unit.substr(1) == "ib") unit = unit.substr(0, 1);
  if (unit.size() == 2 && unit[1] == 'b') unit = unit.substr(0, 1);
  double multiplier = 1;
  if (unit.empty() || unit == "b") {
    multiplier = 1;
  } else if (unit == "k") {
    multiplier = 1024.0;
  } else if (unit == "m") {
    multiplier = 1024.0 * 1024;
  } else if (unit == "g") {
    multiplier = 1024.0 * 1024 * 1024;
  } else if (unit == "t") {
    multiplier = 1024.0 * 1024 * 1024 * 1024;
  } else if (unit == "p") {
    multiplier = 1024.0 * 1024 * 1024 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  const double bytes = std::floor(*number * multiplier);
  if (!(bytes < 9.2e18)) return std::nullopt;
  return static_cast<std::int64_t>(bytes);
}

std::optional<std::uint32_t> parse_octal(std::string_view text) {
  if (text.starts_with("0o")) text.remove_prefix(2);
  if (text.empty() || text.size() > 11) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (negative) {
    if (value > (std::uint64_t{1} << 63)) return std::nullopt;
    value = ~value + 1;
  }
  return value;
}

std::string format_byte_size(std::int64_t bytes) {
  static const char* const units[] = {"", "k", "M", "G", "T", "P"};
  int u = 0;
  while (u < 5 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return std::to_string(bytes) + units[u];
}

}  // namespace ringfence::policy
