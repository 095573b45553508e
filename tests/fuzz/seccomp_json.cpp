// Docker's seccomp JSON (a `seccomp.base` file, an OCI config.json's
// linux.seccomp): imported as a base, then compiled under a profile the way
// `[seccomp] base = "FILE.json"` does, so that what the importer lets
// through also meets the compiler's resolution of capability, architecture
// and kernel conditions.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "profile_common.h"
#include "ringfence/policy/seccomp_base.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  policy::Diagnostics diags;
  const auto base = policy::import_seccomp_json(text, "fuzz.json", diags);
  (void)diags.format();
  FUZZ_CHECK(!base || !diags.has_errors(), "an import with errors gives no base");
  if (!base) return 0;
  const std::string path = fuzz::write_scratch("base.json", text);
  const std::string profile = "[profile]\nname = \"imported\"\n\n[seccomp]\nbase = \"" + path + "\"\n";
  policy::Diagnostics profile_diags;
  auto layer = policy::read_layer(profile, "imported.toml", 0, profile_diags);
  FUZZ_CHECK(layer.has_value(), "the importing profile is TOML");
  std::vector<policy::Layer> layers;
  layers.push_back(std::move(*layer));
  const auto c = policy::compile_layers(std::move(layers), fuzz::fuzz_compile_options());
  (void)c.diags.format();
  if (c.ok()) (void)policy::export_seccomp_json(*c.plan->params<policy::StepKind::SeccompCompile>());
  return 0;
}
