// The site policy floor (/etc/ringfence/policy.toml): read, then applied
// to the shipped default profile and to the privileged one, so that every
// key the reader accepts is also one the floor can judge and clamp.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "profile_common.h"
#include "ringfence/policy/site_policy.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  policy::Diagnostics diags;
  const auto floor = policy::read_site_policy(std::string(fuzz::as_text(data, size)), "policy.toml", diags);
  (void)diags.format();
  FUZZ_CHECK(!floor || !diags.has_errors(), "a broken policy is never half applied");
  if (!floor) return 0;
  for (const char* profile : {"default", "privileged"}) {
    policy::Diagnostics chain_diags;
    auto layers = policy::load_chain(profile, chain_diags);
    FUZZ_CHECK(!layers.empty(), "the shipped profiles read");
    std::vector<policy::FloorDecision> decisions;
    const auto c = policy::compile_with_floor(std::move(layers), fuzz::fuzz_compile_options(), &*floor, decisions);
    for (const auto& d : decisions) (void)(d.refused ? policy::refusal_message(d) : policy::clamp_message(d));
    FUZZ_CHECK(!policy::any_refused(decisions) || !c.ok(), "a refusal leaves no plan");
  }
  return 0;
}
