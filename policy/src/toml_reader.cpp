// TOML text -> Layer. The schema is the `fields` lists of profile.h; this
// file only knows how each kind of value is spelled in TOML and reports
// wrong types and unknown keys at the place they were written.
#include <toml.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <type_traits>

#include <fmt/core.h>

#include "ringfence/policy/loader.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"
#include "toml_errors.h"

namespace ringfence::policy {
namespace {


const char* type_name(const TomlValue& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return "a boolean";
    case toml::value_t::integer: return "an integer";
    case toml::value_t::floating: return "a float";
    case toml::value_t::string: return "a string";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
    case toml::value_t::local_date:
    case toml::value_t::local_time: return "a date/time";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
    default: return "empty";
  }
}

// Where values are in their file. toml11 3.7's value.location() counts the
// lines from the start of the file for every value it is asked about —
// quadratic in the file's size, and most of the reader's time. Here the
// lines are indexed once per file and a value's place is found from its
// region's offset.
class Positions {
 public:
  struct Pos {
    std::uint32_t line = 1, column = 1;
    std::string_view line_text;  // the whole line the value starts on
    std::size_t size = 0;        // the value's length in the text
  };

  Pos of(const TomlValue& v) const {
    const auto* region = dynamic_cast<const toml::detail::region*>(toml::detail::get_region(v));
    if (region == nullptr || !region->source()) {
      const auto l = v.location();  // values toml11 made up itself: rare
      return {static_cast<std::uint32_t>(l.line()), static_cast<std::uint32_t>(l.column()), {}, l.region()};
    }
    const auto& source = *region->source();
    if (&source != indexed_) index(source);
    const std::size_t offset = static_cast<std::size_t>(region->first() - region->begin());
    const auto next = std::upper_bound(starts_.begin(), starts_.end(), offset);
    const std::size_t line = static_cast<std::size_t>(next - starts_.begin());  // 1-based
    const std::size_t start = starts_[line - 1];
    const std::size_t end = line < starts_.size() ? starts_[line] - 1 : source.size();
    Pos p;
    p.line = static_cast<std::uint32_t>(line);
    p.column = static_cast<std::uint32_t>(offset - start + 1);
    p.line_text = std::string_view(source.data() + start, end - start);
    p.size = region->size();
    return p;
  }

 private:
  void index(const std::vector<char>& source) const {
    indexed_ = &source;
    starts_.assign(1, 0);
    for (std::size_t i = 0; i < source.size(); ++i)
      if (source[i] == '\n') starts_.push_back(i + 1);
  }

  mutable const std::vector<char>* indexed_ = nullptr;
  mutable std::vector<std::size_t> starts_;
};

// The text of a value as written in the file (one line at most).
std::string literal(const Positions& positions, const TomlValue& v) {
  const auto p = positions.of(v);
  if (p.column == 0 || p.column - 1 >= p.line_text.size()) return {};
  return std::string(p.line_text.substr(p.column - 1, p.size));
}

// toml11 3.7 clamps a decimal, hex or octal integer that does not fit in 64
// bits to the largest value, and wraps a binary one, without a word. Read
// the literal again to tell a real 9223372036854775807 from an overflow.
bool fits_int64(const Positions& positions, const TomlValue& v) {
  std::string text = literal(positions, v);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.erase(0, 1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o' || text[1] == 'b')) {
    base = text[1] == 'x' ? 16 : text[1] == 'o' ? 8 : 2;
    text.erase(0, 2);
  }
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec == std::errc::result_out_of_range) return false;
  if (ec != std::errc() || end != text.data() + text.size()) return true;  // not ours to judge
  const std::uint64_t limit = std::uint64_t{1} << 63;
  return negative ? magnitude <= limit : magnitude < limit;
}

// Value types, as opposed to nested sections ([user.namespace]): a value is
// read whole and kept only if it had no error, so that a wrong value leaves
// its key unset instead of half-set (a list with its bad elements left out).
template <class T>
struct is_value_field : std::false_type {};
template <class T>
struct is_value_field<Setting<T>> : std::true_type {};
template <class T>
struct is_value_field<Accumulated<T>> : std::true_type {};

// String lists whose elements may also be written as numbers.
bool allows_numeric_elements(const std::string& path) { return path == "user.groups"; }

class Reader;

// Visits one TOML table with the `fields` list of the matching struct.
class TableVisitor {
 public:
  TableVisitor(Reader& reader, const TomlValue& table, std::string path)
      : reader_(reader), table_(table), path_(std::move(path)) {}

  template <class F>
  void operator()(const char* key, F& field);

  // Reports every key of the table that `fields` did not name.
  void finish();

 private:
  Reader& reader_;
  const TomlValue& table_;
  std::string path_;
  std::vector<std::string> known_;
};

class Reader {
 public:
  Reader(std::string file, int layer, Diagnostics& diags)
      : file_(std::move(file)), layer_(layer), diags_(diags) {}

  SourceLocation where(const TomlValue& v) const {
    const auto p = positions_.of(v);
    return {file_, p.line, p.column};
  }

  // Where `key` is written, found on the line of its value (toml11 keeps the
  // locations of values only). Falls back to the value's own place.
  SourceLocation key_where(const std::string& key, const TomlValue& value) const {
    SourceLocation at = where(value);
    const std::string line(positions_.of(value).line_text);
    const std::size_t first = line.find_first_not_of(" \t");
    if (key.empty() || first == std::string::npos) return at;
    // Is `key` at `pos` a whole key (or a component of a dotted key)?
    auto whole = [&](std::size_t pos) {
      const auto boundary = [](char c) { return std::string_view(" \t.=[]{},\"'").find(c) != std::string_view::npos; };
      const std::size_t after = pos + key.size();
      return (pos == 0 || boundary(line[pos - 1])) && (after >= line.size() || boundary(line[after]));
    };
    std::size_t pos = std::string::npos;
    const std::size_t value_col = at.column > 0 ? at.column - 1 : 0;
    if (line[first] == '[') {
      // A [table] or [[array]] header: the last component that names it.
      const std::size_t close = line.find(']', first);
      for (std::size_t p = line.rfind(key, close == std::string::npos ? std::string::npos : close);
           p != std::string::npos; p = p == 0 ? std::string::npos : line.rfind(key, p - 1))
        if (whole(p)) {
          pos = p;
          break;
        }
    } else if (value_col > first) {
      // key = value: the nearest whole key before the value.
      for (std::size_t p = line.rfind(key, value_col - 1); p != std::string::npos;
           p = p == 0 ? std::string::npos : line.rfind(key, p - 1))
        if (whole(p)) {
          pos = p;
          break;
        }
    } else {
      // A table made by a dotted key (a.b.c = 1) is placed at the start of
      // its line: the first whole component before the '='.
      const std::size_t eq = line.find('=', first);
      for (std::size_t p = line.find(key, first); p != std::string::npos && (eq == std::string::npos || p < eq);
           p = line.find(key, p + 1))
        if (whole(p)) {
          pos = p;
          break;
        }
    }
    if (pos == std::string::npos) return at;
    // A quoted key ("my key" = 1) starts at its opening quote.
    if (pos > 0 && (line[pos - 1] == '"' || line[pos - 1] == '\'') && pos + key.size() < line.size() &&
        line[pos + key.size()] == line[pos - 1])
      --pos;
    at.column = static_cast<std::uint32_t>(pos + 1);
    return at;
  }

  // Every message of the reader goes through here: keys and values are the
  // user's text and may hold control characters ("\u0000" in a quoted key).
  void error(SourceLocation at, const std::string& message) { diags_.error(std::move(at), printable(message)); }
  void type_error(const std::string& path, const TomlValue& v, const char* expected) {
    error(type_where(path, v), fmt::format("'{}' must be {}, not {}", path, expected, type_name(v)));
  }

  // A wrong value is pointed at, except a table made by a [header]: there
  // the name in the header is what was written wrong.
  SourceLocation type_where(const std::string& path, const TomlValue& v) const {
    if (!v.is_table()) return where(v);
    const std::string line(positions_.of(v).line_text);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] != '[') return where(v);
    std::string key = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
    key = key.substr(0, key.find('['));
    return key_where(key, v);
  }
  void value_error(const TomlValue& v, const std::string& message) { error(where(v), message); }

  // The integer `v` holds, unless it overflowed 64 bits as written.
  std::optional<std::int64_t> integer(const TomlValue& v, const std::string& path, std::string_view hint = {}) {
    if (fits_int64(positions_, v)) return v.as_integer();
    value_error(v, fmt::format("'{}': {} does not fit in a 64-bit integer{}", path, literal(positions_, v), hint));
    return std::nullopt;
  }
  Diagnostics& diags() { return diags_; }
  int layer() const { return layer_; }

  // ---- one overload per kind of value -------------------------------------

  void read(const TomlValue& v, Setting<bool>& f, const std::string& path) {
    if (v.is_string() && (v.as_string().str == "true" || v.as_string().str == "false"))
      return value_error(v, fmt::format("'{}' must be true or false, not a string (write {} without quotes)", path,
                                        v.as_string().str));
    if (!v.is_boolean()) return type_error(path, v, "true or false");
    f.value = v.as_boolean();
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<std::int64_t>& f, const std::string& path) {
    if (!v.is_integer()) return type_error(path, v, "an integer");
    auto n = integer(v, path);
    if (!n) return;
    f.value = *n;
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<std::string>& f, const std::string& path) {
    if (!v.is_string()) return type_error(path, v, "a string");
    f.value = v.as_string().str;
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<ByteSize>& f, const std::string& path) {
    if (v.is_integer()) {
      const auto i = integer(v, path);
      if (!i) return;
      const auto n = *i;
      if (n < -1) return value_error(v, fmt::format("'{}' must not be negative (use -1 for unlimited)", path));
      f.value = n == -1 ? ByteSize{0, true} : ByteSize{n, false};
    } else if (v.is_string()) {
      const std::string& s = v.as_string().str;
      if (s == "unlimited") {
        f.value = ByteSize{0, true};
      } else if (auto bytes = parse_byte_size(s)) {
        f.value = ByteSize{*bytes, false};
      } else {
        return value_error(v, fmt::format("'{}': '{}' is not a size (examples: 1048576, \"512k\", \"64M\", \"1.5G\")",
                                          path, s));
      }
    } else {
      return type_error(path, v, "a size (an integer or a string such as \"64M\")");
    }
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<CpuCount>& f, const std::string& path) {
    double cpus = 0;
    if (v.is_integer()) {
      const auto n = integer(v, path);
      if (!n) return;
      cpus = static_cast<double>(*n);
    } else if (v.is_floating()) {
      cpus = v.as_floating();
    } else if (v.is_string()) {
      auto d = parse_decimal(v.as_string().str);
      if (!d) return value_error(v, fmt::format("'{}': '{}' is not a number of CPUs (example: 1.5)", path,
                                                v.as_string().str));
      cpus = *d;
    } else {
      return type_error(path, v, "a number of CPUs (example: 1.5)");
    }
    if (!std::isfinite(cpus) || cpus < 0)
      return value_error(v, fmt::format("'{}' must be a positive number of CPUs", path));
    f.value = CpuCount{cpus};
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<ErrnoValue>& f, const std::string& path) {
    if (v.is_integer()) {
      const auto i = integer(v, path);
      if (!i) return;
      const auto n = *i;
      if (n < 0 || n > 4095) return value_error(v, fmt::format("'{}': errno {} is out of range 0-4095", path, n));
      f.value = ErrnoValue{static_cast<int>(n)};
    } else if (v.is_string()) {
      const std::string& s = v.as_string().str;
      auto n = errno_from_name(s);
      if (!n)
        return value_error(v, fmt::format("'{}': unknown errno '{}'{}", path, s, did_you_mean(s, all_errno_names())));
      f.value = ErrnoValue{*n};
    } else {
      return type_error(path, v, "an errno name such as \"EPERM\" or a number");
    }
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<DeviceNumber>& f, const std::string& path) {
    if (v.is_integer()) {
      const auto i = integer(v, path);
      if (!i) return;
      const auto n = *i;
      if (n < 0 || n > 0xfffff)
        return value_error(v, fmt::format("'{}': {} is not a device number (0 to 1048575, or \"*\" for any)", path, n));
      f.value = DeviceNumber{n};
    } else if (v.is_string() && v.as_string().str == "*") {
      f.value = DeviceNumber{-1};
    } else {
      return type_error(path, v, "a device number or \"*\"");
    }
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<FileMode>& f, const std::string& path) {
    if (v.is_integer()) {
      const auto i = integer(v, path);
      if (!i) return;
      const auto n = *i;
      if (n < 0 || n > 07777)
        return value_error(v, fmt::format("'{}': {} is not a file mode (0o0 to 0o7777)", path, literal(positions_, v)));
      f.value = FileMode{static_cast<std::uint32_t>(n)};
    } else if (v.is_string()) {
      auto m = parse_octal(v.as_string().str);
      if (!m || *m > 07777)
        return value_error(v, fmt::format("'{}': '{}' is not an octal file mode (example: \"0755\" or 0o755)", path,
                                          v.as_string().str));
      f.value = FileMode{*m};
    } else {
      return type_error(path, v, "an octal mode such as 0o755 or \"0755\"");
    }
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<ArgValue>& f, const std::string& path) {
    if (v.is_integer()) {
      // TOML integers are signed 64-bit: patterns with the top bit set must
      // be written as strings (or as negative numbers).
      const auto n = integer(v, path, " (write such a pattern as a string, e.g. \"0xffffffffffffffff\")");
      if (!n) return;
      f.value = ArgValue{static_cast<std::uint64_t>(*n)};
    } else if (v.is_string()) {
      auto n = parse_u64(v.as_string().str);
      if (!n)
        return value_error(v, fmt::format("'{}': '{}' is not a 64-bit number (examples: 42, \"0x7f\", -1)", path,
                                          v.as_string().str));
      f.value = ArgValue{*n};
    } else {
      return type_error(path, v, "an integer or a string such as \"0xffffffff00000000\"");
    }
    f.origin = where(v);
  }

  // Strings, and integers where a list allows them (groups = ["audio", 44]).
  bool read_string_element(const TomlValue& e, const std::string& path, bool numbers, Located<std::string>& out) {
    if (e.is_string()) {
      out.value = e.as_string().str;
    } else if (numbers && e.is_integer()) {
      auto n = integer(e, path);
      if (!n) return false;
      out.value = std::to_string(*n);
    } else {
      type_error(path, e, numbers ? "a string or a number" : "a string");
      return false;
    }
    out.loc = where(e);
    out.layer = layer_;
    return true;
  }

  void read(const TomlValue& v, Setting<StringList>& f, const std::string& path) {
    if (!v.is_array()) return type_error(path, v, "an array of strings");
    StringList list;
    const auto& arr = v.as_array();
    const bool numbers = allows_numeric_elements(path);
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Located<std::string> item;
      if (read_string_element(arr[i], fmt::format("{}[{}]", path, i), numbers, item)) list.push_back(std::move(item));
    }
    f.value = std::move(list);
    f.origin = where(v);
  }

  void read(const TomlValue& v, Accumulated<Located<std::string>>& f, const std::string& path) {
    if (!v.is_array()) return type_error(path, v, "an array of strings");
    const auto& arr = v.as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Located<std::string> item;
      if (read_string_element(arr[i], fmt::format("{}[{}]", path, i), false, item)) f.items.push_back(std::move(item));
    }
  }

  void read(const TomlValue& v, Setting<StringMap>& f, const std::string& path) {
    if (!v.is_table()) return type_error(path, v, "a table of strings");
    for (const auto& [key, e] : v.as_table()) {
      if (!e.is_string()) {
        type_error(path + "." + key, e, "a string");
        continue;
      }
      f.value[key] = Located<std::string>{e.as_string().str, where(e), layer_};
    }
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<KeyedMap<RlimitValue>>& f, const std::string& path) {
    if (!v.is_table()) return type_error(path, v, "a table");
    for (const auto& [key, e] : v.as_table()) {
      const std::string p = path + "." + key;
      RlimitValue r;
      if (!read_rlimit(e, p, r)) continue;
      f.value[key] = Located<RlimitValue>{r, key_where(key, e), layer_};
    }
    f.origin = where(v);
  }

  // Arrays of tables whose entries are structs.
  template <class T>
  void read(const TomlValue& v, Setting<std::vector<T>>& f, const std::string& path) {
    if (!v.is_array()) return type_error(path, v, "an array of tables");
    read_entries(v, f.value, path);
    f.origin = where(v);
  }

  template <class T>
  void read(const TomlValue& v, Accumulated<T>& f, const std::string& path) {
    if (!v.is_array()) return type_error(path, v, "an array of tables");
    read_entries(v, f.items, path);
  }

  // Nested tables ([user.namespace]) and the profile itself.
  template <class T>
  void read(const TomlValue& v, T& section, const std::string& path) {
    if (!v.is_table()) return type_error(path, v, "a table");
    read_table(v, section, path);
  }

  template <class T>
  void read_table(const TomlValue& v, T& obj, const std::string& path) {
    TableVisitor visitor(*this, v, path);
    T::fields(visitor, obj);
    visitor.finish();
  }

 private:
  template <class T>
  void read_entries(const TomlValue& v, std::vector<T>& out, const std::string& path) {
    const auto& arr = v.as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string p = fmt::format("{}[{}]", path, i);
      if (!arr[i].is_table()) {
        type_error(p, arr[i], "a table");
        continue;
      }
      T entry;
      entry.loc = where(arr[i]);
      entry.layer = layer_;
      read_table(arr[i], entry, p);
      out.push_back(std::move(entry));
    }
  }

  bool read_limit_number(const TomlValue& e, const std::string& path, std::uint64_t& out) {
    if (e.is_integer()) {
      const auto n = integer(e, path);
      if (!n) return false;
      if (*n == -1) {
        out = RlimitValue::kUnlimited;
        return true;
      }
      if (*n < 0) {
        value_error(e, fmt::format("'{}' must not be negative (use -1 or \"unlimited\")", path));
        return false;
      }
      out = static_cast<std::uint64_t>(*n);
      return true;
    }
    if (e.is_string() && e.as_string().str == "unlimited") {
      out = RlimitValue::kUnlimited;
      return true;
    }
    type_error(path, e, "a number or \"unlimited\"");
    return false;
  }

  bool read_rlimit(const TomlValue& e, const std::string& path, RlimitValue& r) {
    if (e.is_table()) {
      const auto& t = e.as_table();
      for (const auto& [k, sub] : t) {
        if (k != "soft" && k != "hard") {
          std::string hint = did_you_mean(k, {"soft", "hard"});
          if (hint.empty()) hint = " (a limit has only 'soft' and 'hard')";
          error(key_where(k, sub), fmt::format("unknown key '{}' in [{}]{}", k, path, hint));
          return false;
        }
      }
      auto soft = t.find("soft");
      auto hard = t.find("hard");
      if (soft == t.end() || hard == t.end()) {
        const char* missing = soft == t.end() && hard == t.end() ? "'soft' and 'hard'"
                              : soft == t.end()                  ? "'soft' too"
                                                                 : "'hard' too";
        value_error(e, fmt::format("'{}' needs {} (or write one number for both)", path, missing));
        return false;
      }
      return read_limit_number(soft->second, path + ".soft", r.soft) &&
             read_limit_number(hard->second, path + ".hard", r.hard);
    }
    if (e.is_string()) {
      const std::string& s = e.as_string().str;
      const auto colon = s.find(':');
      if (s == "unlimited") {
        r.soft = r.hard = RlimitValue::kUnlimited;
        return true;
      }
      auto parse_part = [](std::string_view p, std::uint64_t& out) {
        if (p == "unlimited" || p == "-1") {
          out = RlimitValue::kUnlimited;
          return true;
        }
        auto n = parse_u64(p);
        if (!n || p.starts_with("-")) return false;
        out = *n;
        return true;
      };
      if (colon != std::string::npos && parse_part(std::string_view(s).substr(0, colon), r.soft) &&
          parse_part(std::string_view(s).substr(colon + 1), r.hard))
        return true;
      if (colon == std::string::npos && parse_part(s, r.soft)) {
        r.hard = r.soft;
        return true;
      }
      value_error(e, fmt::format("'{}': '{}' is not a limit (examples: 1024, \"1024:4096\", \"unlimited\")", path, s));
      return false;
    }
    if (!read_limit_number(e, path, r.soft)) return false;
    r.hard = r.soft;
    return true;
  }

  std::string file_;
  int layer_;
  Diagnostics& diags_;
  Positions positions_;
};

template <class F>
void TableVisitor::operator()(const char* key, F& field) {
  known_.emplace_back(key);
  const auto& table = table_.as_table();
  auto it = table.find(key);
  if (it == table.end()) return;
  const std::string path = path_.empty() ? std::string(key) : path_ + "." + key;
  if constexpr (is_value_field<F>::value) {
    // Read into a copy and keep it only if nothing in it was wrong: every
    // element is still checked, so that all mistakes are reported at once.
    const std::size_t errors_before = reader_.diags().error_count();
    F value{};
    reader_.read(it->second, value, path);
    if (reader_.diags().error_count() == errors_before) field = std::move(value);
  } else {
    reader_.read(it->second, field, path);
  }
}

void TableVisitor::finish() {
  for (const auto& [key, value] : table_.as_table()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    const std::string full = path_.empty() ? key : path_ + "." + key;
    std::string message;
    if (value.is_table()) {
      message = fmt::format("unknown table [{}]", full);
      if (auto n = nearest(key, known_))
        message += fmt::format(" (did you mean [{}]?)", path_.empty() ? *n : path_ + "." + *n);
    } else if (path_.empty()) {
      message = fmt::format("unknown key '{}' at the top level{}", key, did_you_mean(key, known_));
    } else {
      message = fmt::format("unknown key '{}' in [{}]{}", key, path_, did_you_mean(key, known_));
    }
    reader_.error(reader_.key_where(key, value), message);
  }
}

// toml11 reports a syntax error as a formatted block: a first line with the
// message, then source lines, each followed by a caret line that marks a
// column and says something about it. The last mark is where the parser
// stopped (for "defined twice", the second definition); earlier marks are
// context. The messages toml11 writes for the common mistakes are about its
// parser ("the next token is not a valid string"), so those are rewritten to
// say what is wrong in the file; any other keeps toml11's words.
struct SyntaxMark {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string source;  // the text of that line
  std::string hint;    // what toml11 wrote next to the caret
};

// The token that starts at `column` (1-based) of `source`.
std::string token_at(const std::string& source, std::uint32_t column) {
  if (column == 0 || column > source.size()) return {};
  const std::size_t start = column - 1;
  const std::size_t end = source.find_first_of(" \t,]}#", start);
  return source.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Why the string that opens at `column` does not parse: an escape TOML does
// not know (moving `column` to it), or no closing quote on the line.
std::string string_problem(const std::string& source, std::uint32_t& column) {
  if (column == 0 || column > source.size()) return "a string is not valid";
  const std::size_t open = column - 1;
  const char quote = source[open];
  if (source.compare(open, 3, std::string(3, quote)) == 0)
    return fmt::format("a multi-line string is not closed with {}", std::string(3, quote));
  for (std::size_t i = open + 1; i < source.size(); ++i) {
    if (source[i] == quote) return "a string is not valid";
    if (quote == '"' && source[i] == '\\') {
      const char next = i + 1 < source.size() ? source[i + 1] : ' ';
      if (std::string_view("btnfr\"\\uU").find(next) == std::string_view::npos) {
        column = static_cast<std::uint32_t>(i + 1);
        return fmt::format("'\\{}' is not an escape TOML knows (write '\\\\' for a backslash, or use 'single "
                           "quotes' for a string without escapes)",
                           next);
      }
      ++i;
    }
  }
  return fmt::format("the string is not closed: add the closing {} on the same line", quote);
}

// What is wrong with the value that starts at `column`: a broken string,
// no value at all, or a word that is not TOML (an unquoted string).
std::string not_a_value(const std::string& source, std::uint32_t& column) {
  if (column == 0 || column > source.size()) return "a value is missing at the end of the line";
  const char c = source[column - 1];
  if (c == '"' || c == '\'') return string_problem(source, column);
  const std::string token = token_at(source, column);
  if (token.empty() || token == "=") return fmt::format("expected a value, found '{}'", c);
  const bool numeric = std::isdigit(static_cast<unsigned char>(token[0])) || token[0] == '+' || token[0] == '-';
  return fmt::format("'{}' is not a value (strings need quotes: \"{}\"; {})", token, token,
                     numeric ? "numbers are like 42, 0x2a or 1.5" : "booleans are true or false");
}

Diagnostic syntax_diagnostic(const toml::exception& e, const std::string& file) {
  Diagnostic d;
  d.severity = Severity::Error;
  d.where = {file, static_cast<std::uint32_t>(e.location().line()),
             static_cast<std::uint32_t>(e.location().column())};
  std::istringstream in(e.what());
  std::string first, line;
  std::getline(in, first);
  static const std::regex prefix(R"(^\[error\]\s*(toml::)?([a-z_]+:\s*)?)");
  static const std::regex source_line(R"(^\s*(\d+) \| (.*)$)");
  static const std::regex caret_line(R"(^\s*\| ( *)[\^~]+-*\s*(.*)$)");
  std::smatch m;
  first = std::regex_replace(first, prefix, "");
  while (!first.empty() && (first.back() == ' ' || first.back() == '.')) first.pop_back();
  // Some messages are only the name of the parser function.
  static const std::regex bare_function(R"(^(toml::)?[a-z_]+:?$)");
  if (std::regex_match(first, bare_function)) first.clear();
  std::vector<SyntaxMark> marks;
  SyntaxMark pending;
  bool have_line = false;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, source_line)) {
      const std::string number = m[1];
      std::uint32_t n = 0;
      std::from_chars(number.data(), number.data() + number.size(), n);  // digits only, by the regex
      pending = {n, 0, m[2], ""};
      have_line = true;
    } else if (have_line && std::regex_search(line, m, caret_line)) {
      pending.column = static_cast<std::uint32_t>(m[1].length() + 1);
      pending.hint = m[2];
      marks.push_back(pending);
      have_line = false;
    }
  }
  std::string message = first;
  std::string hint = marks.empty() ? std::string() : marks.back().hint;
  if (!marks.empty()) {
    SyntaxMark at = marks.back();
    const SyntaxMark& earlier = marks.front();
    static const std::regex twice(R"re(^(value|table|array of tables) \("(.*)"\) already exists$)re");
    if (std::regex_search(first, m, twice) && marks.size() >= 2) {
      const std::string name = m[2];
      if (m[1] == "value")
        message = fmt::format("key '{}' is defined twice (first at line {})", name, earlier.line);
      else if (m[1] == "table")
        message = fmt::format("table [{}] is defined twice (first at line {})", name, earlier.line);
      else
        message = fmt::format("[{}] is already an array of tables ([[{}]] at line {})", name, name, earlier.line);
      hint.clear();
    } else if (first.find("not a valid") != std::string::npos && first.find("string") != std::string::npos) {
      message = string_problem(at.source, at.column);
      hint.clear();
    } else if (first.ends_with("unknown value appeared") ||
               first.starts_with("value having invalid format appeared in an array") ||
               (first.empty() && hint.starts_with("the next token is not"))) {
      message = not_a_value(at.source, at.column);
      hint.clear();
    } else if (first == "an invalid key appeared") {
      const std::string before = at.source.substr(0, std::min<std::size_t>(at.column - 1, at.source.size()));
      const auto open = std::count(before.begin(), before.end(), '{');
      const auto closed = std::count(before.begin(), before.end(), '}');
      const std::size_t lead = at.source.find_first_not_of(" \t");
      if (lead != std::string::npos && at.source[lead] == '[' && at.source.find(']') == std::string::npos)
        message = "the table header is not closed with ']'";
      else if (lead != std::string::npos && at.source[lead] == '[')
        message = "this table header is not valid: a table name is keys joined by '.' (bare keys are letters, "
                  "digits, '_' and '-'; quote any other)";
      else if (open > closed)
        message = "an inline table { ... } must be written on one line: close it with '}' on this line, or use a "
                  "[table] or [[array]] section";
      else
        message = "this is not a key (bare keys are letters, digits, '_' and '-'; quote any other)";
      hint.clear();
    } else if (first.starts_with("missing key-value separator")) {
      const std::string before = at.source.substr(0, std::min<std::size_t>(at.column - 1, at.source.size()));
      const std::size_t start = before.find_first_not_of(" \t");
      if (start != std::string::npos) {
        message = fmt::format("expected '=' after the key '{}'", before.substr(start));
        hint.clear();
      }
    } else if (first.starts_with("missing table separator")) {
      message = "missing ',' between the keys of an inline table";
      hint.clear();
    } else if (first.starts_with("missing array separator")) {
      message = fmt::format("missing ',' between array elements, or ']' to close the array of line {}", earlier.line);
      hint.clear();
    } else if (first == "invalid line format") {
      // Stopped inside the value (x = 12abc): the value is what is wrong.
      const std::size_t eq = at.source.find('=');
      const std::size_t value =
          eq == std::string::npos ? std::string::npos : at.source.find_first_not_of(" \t", eq + 1);
      if (value != std::string::npos && at.column - 1 > value && at.column - 1 <= at.source.size() &&
          at.source[at.column - 2] != ' ' && at.source[at.column - 2] != '\t') {
        at.column = static_cast<std::uint32_t>(value + 1);
        message = not_a_value(at.source, at.column);
      } else {
        message = fmt::format("one key = value per line (found '{}' after the value)",
                              token_at(at.source, at.column));
      }
      hint.clear();
    } else if (first.find("invalid utf8") != std::string::npos) {
      message = "the file is not valid UTF-8";
      hint.clear();
    }
    d.where.line = at.line;
    d.where.column = at.column;
  }
  if (message.empty()) std::swap(message, hint);
  d.message = "TOML syntax error: " + (message.empty() ? std::string("not valid TOML") : message);
  if (!hint.empty() && message.find(hint) == std::string::npos) d.message += " (" + hint + ")";
  return d;
}

// Two inputs make toml11 3.7 itself misbehave before we see any value:
// arrays or inline tables nested a few thousand deep overflow the stack of
// its recursive parser, and a binary integer of 63 digits or more overflows
// a signed multiplication inside it (undefined behaviour, caught by UBSan).
// Both are found here first with a small scan that skips strings and
// comments. No real profile comes near either limit.
constexpr int kMaxNesting = 32;
constexpr std::size_t kMaxBinaryDigits = 62;

// The length of the UTF-8 sequence at text[i], or 0 when it is not one:
// a stray continuation byte, a sequence cut short, an overlong form, a
// surrogate or a code point above U+10FFFF (RFC 3629).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  return n;
}

std::optional<Diagnostic> unreadable(std::string_view text, const std::string& file) {
  // TOML is UTF-8. toml11 3.7.1 checks it too, but its error path for a
  // literal string ('...', also as a key) reads outside the text while it
  // builds the message (toml11 issue 199, fixed after 3.7.1; found by
  // tests/fuzz): so the text is checked here, whole, first.
  {
    std::uint32_t line = 1, column = 1;
    for (std::size_t i = 0; i < text.size(); ++column) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0)
        return Diagnostic{Severity::Error, {file, line, column},
                          fmt::format("TOML: byte {:#04x} is not UTF-8 text; profiles are UTF-8",
                                      static_cast<unsigned char>(text[i]))};
      if (text[i] == '\n') ++line, column = 0;
      i += n;
    }
  }
  enum class In { Code, Comment, Basic, Literal, MultiBasic, MultiLiteral } in = In::Code;
  std::uint32_t line = 1, column = 1;
  int depth = 0;
  auto bare_key_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  auto at = [&](std::size_t i, std::string_view s) { return text.substr(i, s.size()) == s; };
  for (std::size_t i = 0; i < text.size(); ++i, ++column) {
    const char c = text[i];
    // toml11's messages are C strings: a NUL would cut them short.
    if (c == '\0')
      return Diagnostic{Severity::Error, {file, line, column}, "TOML: the file contains a NUL byte; profiles are text"};
    if (c == '\n') {
      ++line;
      column = 0;
      if (in == In::Comment || in == In::Basic || in == In::Literal) in = In::Code;
      continue;
    }
    switch (in) {
      case In::Comment: break;
      case In::Basic:
      case In::MultiBasic:
        if (c == '\\') {
          ++i, ++column;  // an escaped character, possibly a quote
          if (i < text.size() && text[i] == '\n') ++line, column = 0;
        } else if (in == In::Basic && c == '"') {
          in = In::Code;
        } else if (in == In::MultiBasic && at(i, "\"\"\"")) {
          in = In::Code;
          i += 2, column += 2;
        }
        break;
      case In::Literal:
        if (c == '\'') in = In::Code;
        break;
      case In::MultiLiteral:
        if (at(i, "'''")) {
          in = In::Code;
          i += 2, column += 2;
        }
        break;
      case In::Code:
        if (c == '#') {
          in = In::Comment;
        } else if (c == '"' || c == '\'') {
          const bool multi = at(i, std::string(3, c));
          in = c == '"' ? (multi ? In::MultiBasic : In::Basic) : (multi ? In::MultiLiteral : In::Literal);
          if (multi) i += 2, column += 2;
        } else if (c == '[' || c == '{') {
          if (++depth > kMaxNesting)
            return Diagnostic{Severity::Error, {file, line, column},
                              fmt::format("TOML: arrays and inline tables nested more than {} levels deep are not "
                                          "read (a profile needs at most 3)",
                                          kMaxNesting)};
        } else if (c == ']' || c == '}') {
          if (depth > 0) --depth;
        } else if (c == '0' && at(i, "0b") && (i == 0 || !bare_key_char(text[i - 1]))) {
          std::size_t end = i + 2, digits = 0;
          while (end < text.size() && (text[end] == '0' || text[end] == '1' || text[end] == '_'))
            digits += text[end++] != '_';
          std::size_t next = end;
          while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
          const bool is_key =
              next < text.size() && (text[next] == '=' || text[next] == '.' || bare_key_char(text[next]));
          if (digits > kMaxBinaryDigits && !is_key)
            return Diagnostic{Severity::Error, {file, line, column},
                              fmt::format("TOML: {} has {} binary digits; ringfence reads binary integers of at most "
                                          "{} digits (write large numbers in hex, 0x...)",
                                          text.substr(i, end - i), digits, kMaxBinaryDigits)};
          column += static_cast<std::uint32_t>(end - i - 1);
          i = end - 1;
        }
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<TomlValue> parse_toml(std::string_view text, const std::string& file, Diagnostics& diags) {
  if (auto d = unreadable(text, file)) {
    diags.add(std::move(*d));
    return std::nullopt;
  }
  try {
    std::istringstream in{std::string(text)};
    return toml::parse<toml::discard_comments, std::map, std::vector>(in, file);
  } catch (const toml::exception& e) {
    diags.add(syntax_diagnostic(e, file));
  } catch (const std::exception& e) {
    diags.error({file, 1, 1}, fmt::format("cannot parse: {}", e.what()));
  }
  return std::nullopt;
}

std::optional<Layer> read_layer(std::string_view text, const std::string& file, int layer, Diagnostics& diags) {
  auto root = parse_toml(text, file, diags);
  if (!root) return std::nullopt;
  Layer out;
  out.file = file;
  Reader reader(file, layer, diags);
  reader.read_table(*root, out.data, "");
  return out;
}

}  // namespace ringfence::policy
