// An image's config blob and the store's image record: both JSON read as
// root, the first straight from an archive someone handed `image import`.
// Property: a record that reads back writes out to the same record.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/image/image_config.h"
#include "ringfence/image/store.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));
  if (auto c = image::parse_image_config(text, "config")) {
    FUZZ_CHECK(!c->diff_ids.empty(), "a config without layers is accepted");
  }
  if (auto r = image::record_from_json(text, "record")) {
    const std::string out = image::record_to_json(*r);
    auto again = image::record_from_json(out, "record");
    FUZZ_CHECK(again.ok(), "a record that was read is written so that it reads again");
    FUZZ_CHECK(image::record_to_json(*again) == out, "a record reads back to itself");
  }
  return 0;
}
