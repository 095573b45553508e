// The audit log as `audit verify`, `audit head`, `audit show` and `audit
// summary` read it. The input is the log, or several files of a rotated log
// separated by a line "--8<--" (oldest first: LOG.1, LOG.2, ..., LOG).
// Verified twice: without a key, and with the fixed verification key of
// kFuzzKey, which the seeds' seals are made with.
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/audit/log_filter.h"
#include "ringfence/audit/log_summary.h"
#include "ringfence/audit/seal.h"
#include "ringfence/audit/verify.h"

using namespace ringfence;

namespace {

// log id 00112233445566778899aabbccddeeff, key of epoch 0: 32 zero bytes.
constexpr const char* kFuzzKey =
    "rfseal1:00112233445566778899aabbccddeeff:0000000000000000000000000000000000000000000000000000000000000000";
constexpr std::string_view kCut = "\n--8<--\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const audit::VerificationKey key = *audit::parse_verification_key(kFuzzKey);
  static std::size_t rotated_before = 0;
  const std::string_view text = fuzz::as_text(data, size);

  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto cut = text.find(kCut, start);
    if (cut == std::string_view::npos || parts.size() == 7) {
      parts.push_back(text.substr(start));
      break;
    }
    parts.push_back(text.substr(start, cut - start + 1));  // keeps the newline that ends the file
    start = cut + kCut.size();
  }
  for (std::size_t i = parts.size() - 1; i < rotated_before; ++i)
    unlink((fuzz::scratch_dir() + "/audit.jsonl." + std::to_string(i + 1)).c_str());
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) fuzz::write_scratch("audit.jsonl." + std::to_string(i + 1), parts[i]);
  rotated_before = parts.size() - 1;
  const std::string log = fuzz::write_scratch("audit.jsonl", parts.back());

  std::uint64_t seen = 0;
  audit::VerifyOptions plain;
  plain.on_record = [&](const nlohmann::json&) { ++seen; };
  const auto r = audit::verify_log(log, plain);
  FUZZ_CHECK(r.readable, "the log is readable");
  FUZZ_CHECK(!r.intact || seen == r.records, "every record passed on is counted");
  FUZZ_CHECK(r.intact || !r.problem.empty(), "a broken log says why");

  audit::VerifyOptions keyed;
  keyed.key = key;
  keyed.expect.push_back(r.last);
  const auto k = audit::verify_log(log, keyed);
  FUZZ_CHECK(!k.intact || r.intact, "a key never makes a broken log intact");

  (void)audit::log_head(log);
  std::uint64_t shown = 0;
  (void)audit::for_each_record(log, [&](const nlohmann::json&) { ++shown; });
  bool broken = false;
  const auto summary = audit::summarise_log(log, audit::RecordFilter{}, &broken);
  if (summary) {
    FUZZ_CHECK(r.intact, "only an intact log is summarised");
    (void)audit::summary_json(*summary).dump();
    (void)audit::summary_text(*summary);
  }
  (void)audit::parse_head(std::string(text.substr(0, 128)));
  (void)audit::parse_verification_key(std::string(text.substr(0, 160)));
  return 0;
}
