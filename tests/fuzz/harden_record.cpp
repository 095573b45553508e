// The record `ringfence harden --in-place` writes and `harden --undo`
// reads back, one JSON line per changed file. Every line of the input is
// parsed; one that parses is checked against what a strip could have
// written, and its mode pair must survive being written again.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/enforcer/suid_record.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  for (std::size_t start = 0; start < text.size();) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string error;
    const auto change = enforcer::parse_record_line(text.substr(start, nl - start), error);
    FUZZ_CHECK(change.has_value() == error.empty(), "a refused line says why, an accepted one does not");
    if (change) {
      FUZZ_CHECK(!change->path.empty() && change->path.front() == '/', "the path is absolute");
      FUZZ_CHECK((change->old_mode & ~static_cast<mode_t>(06000)) == (change->new_mode & ~static_cast<mode_t>(06000)),
                 "the modes differ by the setuid/setgid bits alone");
    }
    start = nl + 1;
  }
  return 0;
}
