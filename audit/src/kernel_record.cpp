#include "ringfence/audit/kernel_record.h"

#include <charconv>

namespace ringfence::audit {
namespace {

// Fields whose value the kernel writes with audit_log_untrustedstring:
// quoted, or hexadecimal when the string holds anything a quote could not
// carry safely. Other unquoted values are plain tokens (numbers, flags).
bool untrusted(std::string_view key) {
  return key == "comm" || key == "exe" || key == "path" || key == "name" || key == "cwd" ||
         key == "proctitle" || key == "dev" || key == "profile" || key == "target" || key == "peer";
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned byte = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

}  // namespace

const std::string* KernelRecord::get(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

std::optional<std::uint64_t> KernelRecord::number(std::string_view key) const {
  const std::string* v = get(key);
  if (!v || v->empty()) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n, 10);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return n;
}

std::optional<std::uint64_t> KernelRecord::hex(std::string_view key) const {
  const std::string* v = get(key);
  if (!v) return std::nullopt;
  std::string_view s = *v;
  if (s.substr(0, 2) == "0x") s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::optional<KernelRecord> parse_kernel_record(int type, std::string_view text) {
  // "audit(SECONDS.MILLIS:SERIAL): "
  constexpr std::string_view kOpen = "audit(";
  if (text.substr(0, kOpen.size()) != kOpen) return std::nullopt;
  const std::size_t close = text.find("): ");
  const std::size_t colon = text.find(':', kOpen.size());
  if (close == std::string_view::npos || colon == std::string_view::npos || colon > close) return std::nullopt;
  KernelRecord r;
  r.type = type;
  r.time = std::string(text.substr(kOpen.size(), colon - kOpen.size()));
  const std::string_view serial = text.substr(colon + 1, close - colon - 1);
  const auto [end, ec] = std::from_chars(serial.data(), serial.data() + serial.size(), r.serial, 10);
  if (ec != std::errc() || end != serial.data() + serial.size()) return std::nullopt;

  std::string_view rest = text.substr(close + 3);
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const std::size_t eq = rest.find('=');
    const std::size_t space = rest.find(' ');
    if (rest.substr(0, 5) == "avc: ") {
      // SELinux: "avc:  denied  { read write } for  pid=…".
      rest.remove_prefix(5);
      const std::size_t word = rest.find_first_not_of(' ');
      if (word == std::string_view::npos) break;
      rest.remove_prefix(word);
      const std::size_t end = rest.find(' ');
      r.fields.emplace_back("avc", std::string(rest.substr(0, end)));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
      continue;
    }
    if (rest.front() == '{') {
      const std::size_t close_brace = rest.find('}');
      if (close_brace == std::string_view::npos) break;  // cut short
      std::string permissions;
      std::string_view inside = rest.substr(1, close_brace - 1);
      while (!inside.empty()) {
        const std::size_t b = inside.find_first_not_of(' ');
        if (b == std::string_view::npos) break;
        inside.remove_prefix(b);
        const std::size_t e = inside.find(' ');
        if (!permissions.empty()) permissions += ' ';
        permissions += inside.substr(0, e);
        inside.remove_prefix(e == std::string_view::npos ? inside.size() : e);
      }
      r.fields.emplace_back("permissions", std::move(permissions));
      rest.remove_prefix(close_brace + 1);
      continue;
    }
    if (eq == std::string_view::npos || (space != std::string_view::npos && space < eq)) {
      // A word without a value (SELinux's "for"): skipped.
      rest.remove_prefix(space == std::string_view::npos ? rest.size() : space);
      continue;
    }
    const std::string_view key = rest.substr(0, eq);
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '\'') {
      // A user-space message (msg='...'), the last field: to the last quote.
      const std::size_t q = rest.rfind('\'');
      if (q == 0) break;
      value = std::string(rest.substr(1, q - 1));
      rest.remove_prefix(q + 1);
    } else if (!rest.empty() && rest.front() == '"') {
      const std::size_t q = rest.find('"', 1);
      if (q == std::string_view::npos) break;  // cut short: the rest is not trusted
      value = std::string(rest.substr(1, q - 1));
      rest.remove_prefix(q + 1);
    } else {
      const std::size_t sp = rest.find(' ');
      const std::string_view token = rest.substr(0, sp);
      rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp);
      if (untrusted(key) && token != "(null)") {
        auto decoded = from_hex(token);
        if (!decoded) continue;  // neither quoted nor hexadecimal: not the kernel's
        value = std::move(*decoded);
      } else {
        value = std::string(token);
      }
    }
    r.fields.emplace_back(std::string(key), std::move(value));
  }
  return r;
}

}  // namespace ringfence::audit
