// `audit scan --profile-map FILE`: read, then matched against a few
// containers as engines label them.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/policy/profile_map.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  policy::Diagnostics diags;
  const auto map = policy::read_profile_map(std::string(fuzz::as_text(data, size)), "/etc/ringfence/map.toml", diags);
  (void)diags.format();
  FUZZ_CHECK(!map || !diags.has_errors(), "a map with errors is not used");
  if (!map) return 0;
  const policy::ContainerLabels containers[] = {
      {"kubernetes", "0123456789ab", "web", "registry.example/web:1",
       {{"io.kubernetes.pod.namespace", "prod"}, {"io.kubernetes.pod.name", "web-0"}}},
      {"podman", "fedcba987654", "db", "docker.io/library/postgres:16", {{"io.container.manager", "libpod"}}},
      {"unknown", "pid-42", "", "", {}},
  };
  for (const auto& c : containers) {
    const auto* rule = map->match(c);
    if (rule) FUZZ_CHECK(rule->matches(c), "the rule chosen matches");
    if (rule) FUZZ_CHECK(rule->profiles.empty() != rule->benchmark.empty(), "a rule names a profile or a benchmark");
  }
  return 0;
}
