// Reading the site policy file. Its own small schema (not the profile's):
// a section per control, each key a bound, `mode` for the section and
// `modes.KEY` for one key. Anything unknown is an error, never ignored: a
// misspelt bound would otherwise silently bound nothing.
#include "ringfence/base/text_file.h"
#include "ringfence/policy/site_policy.h"

#include <toml.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <fmt/core.h>

#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"
#include "toml_errors.h"

namespace ringfence::policy {
namespace {

using TomlTable = TomlValue::table_type;

SourceLocation where_of(const TomlValue& v, const std::string& file) {
  const auto l = v.location();
  return {file, static_cast<std::uint32_t>(l.line()), static_cast<std::uint32_t>(l.column())};
}

class PolicyReader {
 public:
  PolicyReader(SitePolicy& out, Diagnostics& diags) : out_(out), diags_(diags) {}

  void read(const TomlValue& root) {
    // Each section: its keys and how to read each.
    using KeyReader = std::function<void(const TomlValue&, FloorMode)>;
    struct Section {
      std::map<std::string, KeyReader> keys;
    };
    std::map<std::string, Section> sections;
    sections["capabilities"].keys["ceiling"] = [this](const TomlValue& v, FloorMode m) { ceiling(v, m); };
    sections["seccomp"].keys["required"] = boolean(out_.seccomp_required);
    sections["seccomp"].keys["audit"] = boolean(out_.seccomp_audit);
    sections["privileged"].keys["allowed"] = boolean(out_.privileged_allowed);
    sections["namespaces"].keys["host_pid"] = boolean(out_.host_pid);
    sections["namespaces"].keys["host_ipc"] = boolean(out_.host_ipc);
    sections["namespaces"].keys["host_net"] = boolean(out_.host_net);
    sections["namespaces"].keys["host_uts"] = boolean(out_.host_uts);
    sections["namespaces"].keys["host_cgroup"] = boolean(out_.host_cgroup);
    sections["mounts"].keys["bind_sources"] = [this](const TomlValue& v, FloorMode m) { bind_sources(v, m); };
    sections["user"].keys["namespace_required"] = boolean(out_.userns_required);
    sections["resources"].keys["memory_max"] = [this](const TomlValue& v, FloorMode m) { memory(v, m); };
    sections["resources"].keys["pids_max"] = [this](const TomlValue& v, FloorMode m) { pids(v, m); };
    sections["resources"].keys["cpu_max"] = [this](const TomlValue& v, FloorMode m) { cpus(v, m); };

    std::vector<std::string> section_names;
    for (const auto& [name, s] : sections) section_names.push_back(name);

    for (const auto& [name, value] : root.as_table()) {
      auto it = sections.find(name);
      if (it == sections.end()) {
        diags_.error(where_of(value, file()),
                     fmt::format("unknown site policy section '{}'{}", name, did_you_mean(name, section_names)));
        continue;
      }
      if (!value.is_table()) {
        diags_.error(where_of(value, file()), fmt::format("'{}' must be a table ([{}])", name, name));
        continue;
      }
      const auto& table = value.as_table();
      std::vector<std::string> key_names;
      for (const auto& [k, r] : it->second.keys) key_names.push_back(k);
      FloorMode section_mode = FloorMode::Enforce;
      if (auto m = table.find("mode"); m != table.end()) section_mode = mode(m->second, name + ".mode");
      std::map<std::string, FloorMode> key_modes;
      if (auto m = table.find("modes"); m != table.end()) {
        if (!m->second.is_table()) {
          diags_.error(where_of(m->second, file()), fmt::format("'{}.modes' must be a table of KEY = \"enforce\" | "
                                                                "\"clamp\"", name));
        } else {
          for (const auto& [k, v] : m->second.as_table()) {
            if (!it->second.keys.contains(k)) {
              diags_.error(where_of(v, file()), fmt::format("'{}.modes.{}' names no key of [{}]{}", name, k, name,
                                                            did_you_mean(k, key_names)));
              continue;
            }
            if (!table.contains(k))
              diags_.error(where_of(v, file()),
                           fmt::format("'{}.modes.{}' gives a mode to a key that is not set in [{}]", name, k, name));
            key_modes[k] = mode(v, fmt::format("{}.modes.{}", name, k));
          }
        }
      }
      for (const auto& [k, v] : table) {
        if (k == "mode" || k == "modes") continue;
        auto reader = it->second.keys.find(k);
        if (reader == it->second.keys.end()) {
          key_names.push_back("mode");
          key_names.push_back("modes");
          diags_.error(where_of(v, file()),
                       fmt::format("unknown key '{}' in [{}]{}", k, name, did_you_mean(k, key_names)));
          key_names.resize(key_names.size() - 2);
          continue;
        }
        auto km = key_modes.find(k);
        reader->second(v, km != key_modes.end() ? km->second : section_mode);
      }
    }
  }

 private:
  const std::string& file() const { return out_.file; }

  FloorMode mode(const TomlValue& v, const std::string& key) {
    if (v.is_string()) {
      if (v.as_string().str == "enforce") return FloorMode::Enforce;
      if (v.as_string().str == "clamp") return FloorMode::Clamp;
    }
    diags_.error(where_of(v, file()), fmt::format("'{}' must be \"enforce\" or \"clamp\"", key));
    return FloorMode::Enforce;
  }

  template <class T>
  void set(FloorKey<T>& key, T value, const TomlValue& v, FloorMode m) {
    key.value = std::move(value);
    key.mode = m;
    key.where = where_of(v, file());
  }

  std::function<void(const TomlValue&, FloorMode)> boolean(FloorKey<bool>& key) {
    return [this, &key](const TomlValue& v, FloorMode m) {
      if (!v.is_boolean()) {
        diags_.error(where_of(v, file()), "must be true or false");
        return;
      }
      set(key, v.as_boolean(), v, m);
    };
  }

  void ceiling(const TomlValue& v, FloorMode m) {
    if (!v.is_array()) {
      diags_.error(where_of(v, file()), "'capabilities.ceiling' must be a list of capability names");
      return;
    }
    std::uint64_t mask = 0;
    bool ok = true;
    for (const auto& item : v.as_array()) {
      if (!item.is_string()) {
        diags_.error(where_of(item, file()), "'capabilities.ceiling' entries must be capability names");
        ok = false;
        continue;
      }
      const std::string& name = item.as_string().str;
      auto cap = capability_from_name(name);
      if (!cap) {
        diags_.error(where_of(item, file()),
                     fmt::format("unknown capability '{}'{}", name, did_you_mean(name, all_capability_names())));
        ok = false;
        continue;
      }
      mask |= std::uint64_t{1} << *cap;
    }
    if (ok) set(out_.capabilities_ceiling, mask, v, m);
  }

  void bind_sources(const TomlValue& v, FloorMode m) {
    if (!v.is_array()) {
      diags_.error(where_of(v, file()), "'mounts.bind_sources' must be a list of absolute host paths");
      return;
    }
    std::vector<std::string> paths;
    bool ok = true;
    for (const auto& item : v.as_array()) {
      if (!item.is_string() || item.as_string().str.empty() || item.as_string().str.front() != '/') {
        diags_.error(where_of(item, file()), "'mounts.bind_sources' entries must be absolute host paths");
        ok = false;
        continue;
      }
      // Written as the administrator means it: "/srv/data/" and
      // "/srv/./data" are /srv/data; ".." is refused rather than guessed.
      const std::filesystem::path p(item.as_string().str);
      for (const auto& part : p)
        if (part == "..") {
          diags_.error(where_of(item, file()),
                       fmt::format("'mounts.bind_sources' entry '{}' contains '..'; write the path it means", p.string()));
          ok = false;
        }
      std::string normal = p.lexically_normal().string();
      while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
      paths.push_back(normal);
    }
    if (ok) set(out_.bind_sources, std::move(paths), v, m);
  }

  void memory(const TomlValue& v, FloorMode m) {
    std::optional<std::int64_t> bytes;
    if (v.is_integer() && v.as_integer() > 0) bytes = v.as_integer();
    if (v.is_string()) bytes = parse_byte_size(v.as_string().str);
    if (!bytes || *bytes <= 0) {
      diags_.error(where_of(v, file()), "'resources.memory_max' must be a size: bytes or \"512m\", \"8g\"");
      return;
    }
    set(out_.memory_max, ByteSize{*bytes, false}, v, m);
  }

  void pids(const TomlValue& v, FloorMode m) {
    if (!v.is_integer() || v.as_integer() <= 0) {
      diags_.error(where_of(v, file()), "'resources.pids_max' must be a positive integer");
      return;
    }
    set(out_.pids_max, static_cast<std::int64_t>(v.as_integer()), v, m);
  }

  void cpus(const TomlValue& v, FloorMode m) {
    std::optional<double> n;
    if (v.is_integer()) n = static_cast<double>(v.as_integer());
    if (v.is_floating()) n = v.as_floating();
    if (v.is_string()) n = parse_decimal(v.as_string().str);
    if (!n || *n < 0.01 || *n > 1024) {
      diags_.error(where_of(v, file()), "'resources.cpu_max' must be a CPU count between 0.01 and 1024 (2, 1.5)");
      return;
    }
    set(out_.cpu_max, CpuCount{*n}, v, m);
  }

  SitePolicy& out_;
  Diagnostics& diags_;
};

}  // namespace

const char* floor_mode_name(FloorMode mode) { return mode == FloorMode::Clamp ? "clamp" : "enforce"; }

bool SitePolicy::empty() const {
  return !capabilities_ceiling.is_set() && !seccomp_required.is_set() && !seccomp_audit.is_set() &&
         !privileged_allowed.is_set() &&
         !host_pid.is_set() && !host_ipc.is_set() && !host_net.is_set() && !host_uts.is_set() &&
         !host_cgroup.is_set() && !bind_sources.is_set() && !userns_required.is_set() && !memory_max.is_set() &&
         !pids_max.is_set() && !cpu_max.is_set();
}

std::optional<SitePolicy> read_site_policy(const std::string& text, const std::string& file, Diagnostics& diags) {
  auto root = parse_toml(text, file, diags);
  if (!root) return std::nullopt;
  SitePolicy out;
  out.file = file;
  Diagnostics mine;
  PolicyReader(out, mine).read(*root);
  const bool bad = mine.has_errors();
  diags.append(mine);
  if (bad) return std::nullopt;
  return out;
}

std::optional<SitePolicy> load_site_policy(const std::string& path, Diagnostics& diags) {
  auto text = read_text_file(path);
  if (!text) {
    diags.error({}, fmt::format("cannot read the site policy '{}': {}", path, text.status().message));
    return std::nullopt;
  }
  return read_site_policy(*text, path, diags);
}

SitePolicyChoice choose_site_policy(const std::string& flag, Diagnostics& diags) {
  SitePolicyChoice out;
  std::string path = flag;
  if (path.empty()) {
    // Absent means no floor; anything else that is there (a directory, a
    // file root cannot read, a dangling link) must not silently mean no
    // floor, and neither may a failure to look.
    struct stat st {};
    if (lstat(kDefaultSitePolicyPath, &st) != 0 && errno == ENOENT) return out;
    path = kDefaultSitePolicyPath;
  }
  out.policy = load_site_policy(path, diags);
  out.ok = out.policy.has_value();
  return out;
}

}  // namespace ringfence::policy
