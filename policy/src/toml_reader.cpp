// TOML text -> Layer. The schema is the `fields` lists of profile.h; this
// file only knows how each kind of value is spelled in TOML and reports
// wrong types and unknown keys at the place they were written.
#include <toml.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <type_traits>

#include <fmt/core.h>

#include "ringfence/policy/loader.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

using TomlValue = toml::basic_value<toml::discard_comments, std::map, std::vector>;

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
    const auto l = v.location();
    return {file_, static_cast<std::uint32_t>(l.line()), static_cast<std::uint32_t>(l.column())};
  }

  // Where `key` is written, found on the line of its value (toml11 keeps the
  // locations of values only).
  SourceLocation key_where(const std::string& key, const TomlValue& value) const {
    SourceLocation at = where(value);
    const auto l = value.location();
    const std::string& line = l.line_str();
    const std::size_t limit = std::min<std::size_t>(line.size(), l.column() > 0 ? l.column() - 1 : 0);
    std::size_t pos = std::string::npos;
    if (!line.empty() && line.find_first_not_of(" \t") != std::string::npos &&
        line[line.find_first_not_of(" \t")] == '[') {
      pos = line.rfind(key);  // a [table] or [[array]] header
    } else if (limit > 0) {
      pos = line.rfind(key, limit - 1);
    }
    if (pos != std::string::npos) at.column = static_cast<std::uint32_t>(pos + 1);
    return at;
  }

  void type_error(const std::string& path, const TomlValue& v, const char* expected) {
    diags_.error(where(v), fmt::format("'{}' must be {}, not {}", path, expected, type_name(v)));
  }
  void value_error(const TomlValue& v, std::string message) { diags_.error(where(v), std::move(message)); }
  Diagnostics& diags() { return diags_; }
  int layer() const { return layer_; }

  // ---- one overload per kind of value -------------------------------------

  void read(const TomlValue& v, Setting<bool>& f, const std::string& path) {
    if (!v.is_boolean()) return type_error(path, v, "true or false");
    f.value = v.as_boolean();
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<std::int64_t>& f, const std::string& path) {
    if (!v.is_integer()) return type_error(path, v, "an integer");
    f.value = v.as_integer();
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<std::string>& f, const std::string& path) {
    if (!v.is_string()) return type_error(path, v, "a string");
    f.value = v.as_string().str;
    f.origin = where(v);
  }

  void read(const TomlValue& v, Setting<ByteSize>& f, const std::string& path) {
    if (v.is_integer()) {
      const auto n = v.as_integer();
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
      cpus = static_cast<double>(v.as_integer());
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
      const auto n = v.as_integer();
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
      const auto n = v.as_integer();
      if (n < 0 || n > 0xfffff) return value_error(v, fmt::format("'{}': {} is not a device number", path, n));
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
      const auto n = v.as_integer();
      if (n < 0 || n > 07777) return value_error(v, fmt::format("'{}': {:#o} is not a file mode", path, n));
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
      f.value = ArgValue{static_cast<std::uint64_t>(v.as_integer())};
    } else if (v.is_string()) {
      auto n = parse_u64(v.as_string().str);
      if (!n) return value_error(v, fmt::format("'{}': '{}' is not a 64-bit number", path, v.as_string().str));
      f.value = ArgValue{*n};
    } else {
      return type_error(path, v, "an integer");
    }
    f.origin = where(v);
  }

  // Strings and integers alike (groups = ["audio", 44]).
  bool read_string_element(const TomlValue& e, const std::string& path, Located<std::string>& out) {
    if (e.is_string()) {
      out.value = e.as_string().str;
    } else if (e.is_integer()) {
      out.value = std::to_string(e.as_integer());
    } else {
      type_error(path, e, "a string");
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
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Located<std::string> item;
      if (read_string_element(arr[i], fmt::format("{}[{}]", path, i), item)) list.push_back(std::move(item));
    }
    f.value = std::move(list);
    f.origin = where(v);
  }

  void read(const TomlValue& v, Accumulated<Located<std::string>>& f, const std::string& path) {
    if (!v.is_array()) return type_error(path, v, "an array of strings");
    const auto& arr = v.as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Located<std::string> item;
      if (read_string_element(arr[i], fmt::format("{}[{}]", path, i), item)) f.items.push_back(std::move(item));
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
      if (e.as_integer() == -1) {
        out = RlimitValue::kUnlimited;
        return true;
      }
      if (e.as_integer() < 0) {
        value_error(e, fmt::format("'{}' must not be negative (use -1 or \"unlimited\")", path));
        return false;
      }
      out = static_cast<std::uint64_t>(e.as_integer());
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
          diags_.error(key_where(k, sub), fmt::format("unknown key '{}' in '{}'{}", k, path,
                                                      did_you_mean(k, {"soft", "hard"})));
          return false;
        }
      }
      auto soft = t.find("soft");
      auto hard = t.find("hard");
      if (soft == t.end() || hard == t.end()) {
        value_error(e, fmt::format("'{}' needs both 'soft' and 'hard'", path));
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
};

template <class F>
void TableVisitor::operator()(const char* key, F& field) {
  known_.emplace_back(key);
  const auto& table = table_.as_table();
  auto it = table.find(key);
  if (it == table.end()) return;
  reader_.read(it->second, field, path_.empty() ? std::string(key) : path_ + "." + key);
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
    reader_.diags().error(reader_.key_where(key, value), message);
  }
}

// toml11 reports syntax errors as a formatted block; keep its first line as
// the message and take the line and column from the block's caret, which is
// more precise than the exception's own location.
Diagnostic syntax_diagnostic(const toml::exception& e, const std::string& file) {
  Diagnostic d;
  d.severity = Severity::Error;
  d.where = {file, static_cast<std::uint32_t>(e.location().line()),
             static_cast<std::uint32_t>(e.location().column())};
  std::istringstream in(e.what());
  std::string first, line;
  std::getline(in, first);
  static const std::regex prefix(R"(^\[error\]\s*(toml::\w+:\s*)?)");
  first = std::regex_replace(first, prefix, "");
  static const std::regex source_line(R"(^\s*(\d+) \| )");
  static const std::regex caret_line(R"(^\s*\| ( *)[\^~]+-*\s*(.*)$)");
  std::smatch m;
  std::string hint;
  bool have_line = false;
  while (std::getline(in, line)) {
    if (!have_line && std::regex_search(line, m, source_line)) {
      d.where.line = static_cast<std::uint32_t>(std::stoul(m[1]));
      have_line = true;
    } else if (have_line && std::regex_search(line, m, caret_line)) {
      d.where.column = static_cast<std::uint32_t>(m[1].length() + 1);
      hint = m[2];
      break;
    }
  }
  d.message = "TOML syntax error: " + first;
  if (!hint.empty() && first.find(hint) == std::string::npos) d.message += " (" + hint + ")";
  return d;
}

}  // namespace

std::optional<Layer> read_layer(std::string_view text, const std::string& file, int layer, Diagnostics& diags) {
  TomlValue root;
  try {
    std::istringstream in{std::string(text)};
    root = toml::parse<toml::discard_comments, std::map, std::vector>(in, file);
  } catch (const toml::exception& e) {
    diags.add(syntax_diagnostic(e, file));
    return std::nullopt;
  } catch (const std::exception& e) {
    diags.error({file, 1, 1}, fmt::format("cannot parse: {}", e.what()));
    return std::nullopt;
  }
  Layer out;
  out.file = file;
  Reader reader(file, layer, diags);
  reader.read_table(root, out.data, "");
  return out;
}

}  // namespace ringfence::policy
