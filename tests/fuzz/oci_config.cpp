// An OCI bundle's config.json: read as `ringfence-oci create` and
// `ringfence plan --oci` read it, then compiled on the built-in defaults.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "profile_common.h"
#include "ringfence/policy/oci_config.h"
#include "ringfence/policy/plan_json.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string bundle = [] {
    const std::string dir = fuzz::scratch_dir() + "/bundle";
    mkdir(dir.c_str(), 0700);
    return dir;
  }();
  fuzz::write_scratch("bundle/config.json", fuzz::as_text(data, size));
  policy::Diagnostics diags;
  const auto oci = policy::read_oci_bundle(bundle, diags);
  (void)diags.format();
  FUZZ_CHECK(!oci || !diags.has_errors(), "a config.json with errors is not read");
  if (!oci) return 0;
  const auto c = policy::compile_oci(*oci, fuzz::fuzz_compile_options());
  (void)c.diags.format();
  if (c.ok()) (void)policy::plan_sha256(*c.plan);
  return 0;
}
