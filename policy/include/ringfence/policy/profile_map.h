// Which profile judges which container in `ringfence audit scan
// --profile-map FILE`: rules matched against what the container's engine
// says about it, first match wins. A TOML file of its own:
//
//   [[rule]]
//   engine = "kubernetes"                                   # optional
//   annotations = { "io.kubernetes.pod.namespace" = "prod" } # optional, each must match
//   image = "registry.example/*"                            # optional glob, and id, name
//   profile = "strict"            # a profile (or a list, stacked) ... or:
//   benchmark = "pss-restricted"  # cis-docker | pss-baseline | pss-restricted
//
// Globs are fnmatch(3) patterns. Profile paths that are relative are taken
// from the map file's directory; bare names are shipped profiles, as
// everywhere. Unknown keys are errors, never ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/diagnostic.h"

namespace ringfence::policy {

// What a rule can match on: the engine's view of one container.
struct ContainerLabels {
  std::string engine, id, name, image;
  std::map<std::string, std::string> annotations;
};

struct ProfileMapRule {
  SourceLocation where;  // the [[rule]] header
  std::optional<std::string> engine, id, name, image;   // globs
  std::map<std::string, std::string> annotations;        // key -> value glob
  std::vector<std::string> profiles;                     // one of these two
  std::string benchmark;
  bool matches(const ContainerLabels& c) const;
};

struct ProfileMap {
  std::string file;
  std::vector<ProfileMapRule> rules;
  // The first rule that matches, or nullptr.
  const ProfileMapRule* match(const ContainerLabels& c) const;
};

// The benchmarks a rule (and `audit scan --benchmark`) may name.
inline constexpr const char* kScanBenchmarks[] = {"cis-docker", "pss-baseline", "pss-restricted"};

std::optional<ProfileMap> read_profile_map(const std::string& text, const std::string& file, Diagnostics& diags);
std::optional<ProfileMap> load_profile_map(const std::string& path, Diagnostics& diags);

}  // namespace ringfence::policy
