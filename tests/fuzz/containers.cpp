// The state files `audit scan` reads from runtimes' state directories:
// runc's state.json, crun's status and ringfence-oci's own state.json. A
// container's owner can write much of them (its annotations, its bundle's
// paths), so they are parsed as untrusted. Byte 0 chooses the containerd
// namespace level the file is found at.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/audit/containers.h"

using namespace ringfence;

namespace {

void use(const std::optional<audit::FoundContainer>& c) {
  if (!c) return;
  (void)audit::engine_of(c->ref.annotations, "k8s.io", "runc");
  (void)audit::image_of(c->ref.annotations);
  (void)audit::name_of(c->ref.annotations);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const namespaces[] = {"", "k8s.io", "moby", "default"};
  const std::string ns = namespaces[data[0] % 4];
  const std::string text(fuzz::as_text(data + 1, size - 1));
  use(audit::parse_runc_state(text, ns));
  use(audit::parse_ringfence_state(text, ns));
  use(audit::parse_crun_status(text, "c0ffee", ns, {{"io.container.manager", "libpod"}}));
  return 0;
}
