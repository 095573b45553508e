#include "ringfence/base/text_file.h"
#include "ringfence/policy/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "ringfence/policy/embedded.h"
#include "compact_codec.h"
#include "ringfence/policy/merge.h"
#include "ringfence/policy/names.h"

namespace ringfence::policy {
namespace {

constexpr int kMaxDepth = 16;
constexpr std::string_view kProfilesDir = "profiles/";
constexpr std::string_view kTomlSuffix = ".toml";
constexpr std::string_view kShippedPrefix = "shipped:";

struct Source {
  std::string identity;  // for cycle detection: "shipped:NAME" or a canonical path
  std::string file;      // for messages
  std::string display;   // for the plan: the name or the path
  std::string text;
  bool shipped = false;
};

std::optional<Source> open_source(const std::string& ref, const std::string& relative_to, bool relative_is_shipped,
                                  Diagnostics& diags, const SourceLocation& from) {
  Source src;
  if (names_shipped_profile(ref)) {
    auto text = shipped_profile_text(ref);
    if (!text) {
      diags.error(from, fmt::format("no shipped profile named '{}'{}; shipped profiles: {}", ref,
                                    did_you_mean(ref, shipped_profile_names()),
                                    fmt::format("{}", fmt::join(shipped_profile_names(), ", "))));
      return std::nullopt;
    }
    src.identity = "shipped:" + ref;
    // Not "profiles/NAME.toml": the user may have no such file where they
    // are. The text is the binary's own; `ringfence export`/`plan` show it.
    src.file = std::string(kShippedPrefix) + ref + std::string(kTomlSuffix);
    src.display = ref;
    src.text = std::string(*text);
    src.shipped = true;
    return src;
  }
  std::filesystem::path path(ref);
  if (path.is_relative() && !relative_to.empty() && !relative_is_shipped)
    path = std::filesystem::path(relative_to).parent_path() / path;
  auto text = read_text_file(path.string());
  if (!text) {
    diags.error(from, fmt::format("cannot read profile '{}': {}", path.string(), text.status().message));
    return std::nullopt;
  }
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  src.identity = ec ? path.string() : canonical.string();
  src.file = path.lexically_normal().string();
  src.display = src.file;
  src.text = std::move(*text);
  return src;
}

// Shipped profiles never change while ringfence runs: each is decoded once
// per process from the copy the build read (compact_codec.h; the TOML text
// is kept for `export` and `profile show`), and copies are handed out (the
// linter and the benchmarks compile them many times). A name the build did
// not read is read from its text, as a file would be; its messages are kept
// and repeated with each copy.
std::optional<Layer> read_shipped(const std::string& name, const std::string& text, const std::string& file,
                                  Diagnostics& diags) {
  struct Entry {
    std::optional<Layer> layer;
    Diagnostics diags;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(name);
  if (it == cache.end()) {
    Entry e;
    if (auto encoded = shipped_profile_encoded(name)) {
      if (auto profile = decode_profile(*encoded, file, e.diags)) e.layer = Layer{file, "", std::move(*profile), {}};
    } else {
      e.layer = read_layer(text, file, 0, e.diags);
    }
    it = cache.emplace(name, std::move(e)).first;
  }
  diags.append(it->second.diags);
  return it->second.layer;
}

}  // namespace

bool names_shipped_profile(std::string_view ref) {
  return ref.find('/') == std::string_view::npos && !ref.ends_with(kTomlSuffix);
}

std::vector<std::string> shipped_profile_names() {
  std::vector<std::string> names;
  for (const auto& f : embedded_profiles()) {
    if (!f.path.starts_with(kProfilesDir) || !f.path.ends_with(kTomlSuffix)) continue;
    auto name = f.path.substr(kProfilesDir.size(), f.path.size() - kProfilesDir.size() - kTomlSuffix.size());
    if (name.find('/') == std::string_view::npos) names.emplace_back(name);
  }
  return names;
}

std::optional<std::string_view> embedded_file(std::string_view path) {
  for (const auto& f : embedded_profiles())
    if (f.path == path) return f.text;
  return std::nullopt;
}

std::optional<std::string_view> shipped_profile_text(std::string_view name) {
  if (!names_shipped_profile(name)) return std::nullopt;
  return embedded_file(std::string(kProfilesDir) + std::string(name) + std::string(kTomlSuffix));
}

std::vector<Layer> load_chain(const std::string& ref, Diagnostics& diags, const SourceLocation& from) {
  // Read from the profile towards its root, then reverse.
  std::vector<Layer> chain;
  std::vector<std::string> seen;  // identities, for cycles
  std::vector<std::string> shown;
  std::string next = ref;
  SourceLocation next_from = from;
  std::string relative_to;
  bool relative_is_shipped = false;
  for (int depth = 0;; ++depth) {
    if (depth == kMaxDepth) {
      diags.error(next_from, fmt::format("extends chain is deeper than {} profiles", kMaxDepth));
      return {};
    }
    auto src = open_source(next, relative_to, relative_is_shipped, diags, next_from);
    if (!src) return {};
    shown.push_back(src->display);
    for (const auto& id : seen) {
      if (id == src->identity) {
        diags.error(next_from, fmt::format("extends cycle: {}", fmt::join(shown, " -> ")));
        return {};
      }
    }
    seen.push_back(src->identity);
    auto layer = src->shipped ? read_shipped(src->display, src->text, src->file, diags)
                              : read_layer(src->text, src->file, 0, diags);
    if (!layer) return {};
    layer->display = src->display;
    const auto& extends = layer->data.profile.extends;
    std::optional<std::string> parent;
    if (extends.is_set()) {
      if (extends.value.empty()) {
        diags.error(extends.origin, "'profile.extends' must name a profile");
        return {};
      }
      parent = extends.value;
      layer->extends_at = extends.origin;
    }
    relative_to = src->file;
    relative_is_shipped = src->shipped;
    chain.push_back(std::move(*layer));
    if (!parent) break;
    next = *parent;
    next_from = chain.back().extends_at;
  }
  std::reverse(chain.begin(), chain.end());
  // Layer indices run root-most first; re-tag what the reader tagged 0.
  for (std::size_t i = 0; i < chain.size(); ++i) retag_layer(chain[i], static_cast<int>(i));
  return chain;
}

}  // namespace ringfence::policy
