// TOML profile: read, validate, compile (extends against the shipped
// profiles), then every rendering of the plan and its lint-facing views.
// Property: a plan that compiles has a hash. (The round trip through
// Docker's seccomp JSON is seccomp_roundtrip.cpp.)
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "profile_common.h"
#include "ringfence/policy/oci_export.h"
#include "ringfence/policy/plan_json.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const auto c = fuzz::compile_fuzzed_profile(text);
  if (!c) return 0;
  (void)c->diags.format();
  FUZZ_CHECK(c->ok() == (c->plan.has_value() && !c->diags.has_errors()), "ok() agrees with the diagnostics");
  if (!c->ok()) return 0;
  const std::string hash = policy::plan_sha256(*c->plan);
  FUZZ_CHECK(hash.size() == 64, "a plan hash is a SHA-256");
  (void)policy::plan_to_json(*c->plan, true).dump();
  (void)policy::plan_to_text(*c->plan);
  (void)policy::export_oci(*c->plan).dump();
  return 0;
}
