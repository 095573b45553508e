#include "ringfence/policy/profile_map.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/core.h>

#include "ringfence/base/text_file.h"
#include "ringfence/policy/names.h"
#include "toml_errors.h"

namespace ringfence::policy {
namespace {

SourceLocation where_in(const TomlValue& v, const std::string& file) {
  const auto l = v.location();
  return {file, static_cast<std::uint32_t>(l.line()), static_cast<std::uint32_t>(l.column())};
}

bool glob_matches(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// A profile reference as written in the map: a path relative to the map's
// directory when it looks like a path, a shipped name otherwise.
std::string resolve_ref(const std::string& ref, const std::string& file) {
  const bool is_path = ref.find('/') != std::string::npos || ref.ends_with(".toml");
  if (!is_path || ref.starts_with('/')) return ref;
  return (std::filesystem::path(file).parent_path() / ref).lexically_normal().string();
}

class RuleReader {
 public:
  RuleReader(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  std::optional<ProfileMapRule> read(const TomlValue& v) {
    ProfileMapRule r;
    r.where = where_in(v, file_);
    if (!v.is_table()) {
      diags_.error(r.where, "each [[rule]] must be a table");
      return std::nullopt;
    }
    const std::vector<std::string> known{"engine", "id", "name", "image", "annotations", "profile", "benchmark"};
    bool ok = true;
    for (const auto& [key, value] : v.as_table()) {
      const SourceLocation at = where_in(value, file_);
      if (key == "engine" || key == "id" || key == "name" || key == "image") {
        auto s = text(value, key);
        if (!s) { ok = false; continue; }
        (key == "engine" ? r.engine : key == "id" ? r.id : key == "name" ? r.name : r.image) = *s;
      } else if (key == "annotations") {
        if (!value.is_table()) {
          diags_.error(at, "'annotations' must be a table of key = \"value glob\"");
          ok = false;
          continue;
        }
        for (const auto& [k, av] : value.as_table()) {
          auto s = text(av, "annotations." + k);
          if (!s) { ok = false; continue; }
          r.annotations[k] = *s;
        }
      } else if (key == "profile") {
        if (value.is_string()) {
          r.profiles.push_back(resolve_ref(value.as_string(), file_));
        } else if (value.is_array() && !value.as_array().empty()) {
          for (const auto& p : value.as_array()) {
            auto s = text(p, "profile");
            if (!s) { ok = false; continue; }
            r.profiles.push_back(resolve_ref(*s, file_));
          }
        } else {
          diags_.error(at, "'profile' must be a profile name or path, or a list of them");
          ok = false;
        }
      } else if (key == "benchmark") {
        auto s = text(value, key);
        if (!s) { ok = false; continue; }
        const std::vector<std::string> names(std::begin(kScanBenchmarks), std::end(kScanBenchmarks));
        if (std::find(names.begin(), names.end(), *s) == names.end()) {
          diags_.error(at, fmt::format("unknown benchmark '{}' (one of cis-docker, pss-baseline, pss-restricted){}", *s,
                                       did_you_mean(*s, names)));
          ok = false;
          continue;
        }
        r.benchmark = *s;
      } else {
        diags_.error(at, fmt::format("unknown key '{}' in a [[rule]]{}", key, did_you_mean(key, known)));
        ok = false;
      }
    }
    if (ok && r.profiles.empty() == r.benchmark.empty()) {
      diags_.error(r.where, "a [[rule]] needs exactly one of 'profile' and 'benchmark'");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return r;
  }

 private:
  std::optional<std::string> text(const TomlValue& v, const std::string& key) {
    if (v.is_string()) return v.as_string().str;
    diags_.error(where_in(v, file_), fmt::format("'{}' must be a string", key));
    return std::nullopt;
  }

  const std::string& file_;
  Diagnostics& diags_;
};

}  // namespace

bool ProfileMapRule::matches(const ContainerLabels& c) const {
  if (engine && !glob_matches(*engine, c.engine)) return false;
  if (id && !glob_matches(*id, c.id)) return false;
  if (name && !glob_matches(*name, c.name)) return false;
  if (image && !glob_matches(*image, c.image)) return false;
  for (const auto& [k, pattern] : annotations) {
    const auto it = c.annotations.find(k);
    if (it == c.annotations.end() || !glob_matches(pattern, it->second)) return false;
  }
  return true;
}

const ProfileMapRule* ProfileMap::match(const ContainerLabels& c) const {
  for (const auto& r : rules)
    if (r.matches(c)) return &r;
  return nullptr;
}

std::optional<ProfileMap> read_profile_map(const std::string& text, const std::string& file, Diagnostics& diags) {
  auto root = parse_toml(text, file, diags);
  if (!root) return std::nullopt;
  ProfileMap out;
  out.file = file;
  Diagnostics mine;
  RuleReader reader(file, mine);
  for (const auto& [key, value] : root->as_table()) {
    if (key != "rule") {
      mine.error(where_in(value, file), fmt::format("unknown key '{}': a profile map holds only [[rule]] tables", key));
      continue;
    }
    if (!value.is_array()) {
      mine.error(where_in(value, file), "'rule' must be an array of tables ([[rule]])");
      continue;
    }
    for (const auto& r : value.as_array())
      if (auto rule = reader.read(r)) out.rules.push_back(std::move(*rule));
  }
  const bool bad = mine.has_errors();
  diags.append(mine);
  if (bad) return std::nullopt;
  return out;
}

std::optional<ProfileMap> load_profile_map(const std::string& path, Diagnostics& diags) {
  auto text = read_text_file(path);
  if (!text) {
    diags.error({path, 0, 0}, fmt::format("cannot read the profile map: {}", text.status().message));
    return std::nullopt;
  }
  return read_profile_map(*text, path, diags);
}

}  // namespace ringfence::policy
