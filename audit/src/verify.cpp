#include "ringfence/audit/verify.h"

#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"

namespace ringfence::audit {

VerifyResult verify_log(const std::string& path) {
  VerifyResult r;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.readable = false;
    r.intact = false;
    r.problem = fmt::format("cannot read {}", path);
    return r;
  }
  std::ostringstream all;
  all << in.rdbuf();
  const std::string text = all.str();

  std::string prev_hash = kGenesis;
  std::uint64_t prev_seq = 0;
  std::size_t line_no = 0;
  std::size_t start = 0;
  auto broken = [&](std::size_t line, std::string problem) {
    r.intact = false;
    r.line = line;
    r.problem = std::move(problem);
    return r;
  };
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    ++line_no;
    if (nl == std::string::npos) {
      // No newline: the record was never finished (a writer killed
      // mid-write, or the file cut). Everything before it stands.
      r.torn_tail = true;
      r.line = line_no;
      r.problem = fmt::format("line {} is incomplete: the log ends in the middle of a record", line_no);
      break;
    }
    const std::string_view line(text.data() + start, nl - start);
    start = nl + 1;
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object())
      return broken(line_no, fmt::format("line {} is not a JSON record: it was edited or inserted", line_no));
    if (!record.contains("seq") || !record["seq"].is_number_unsigned() || !record.contains("prev") ||
        !record["prev"].is_string() || record.value("v", 0) != kSchemaVersion)
      return broken(line_no, fmt::format("line {} lacks the chain fields (v, seq, prev)", line_no));
    const auto seq = record["seq"].get<std::uint64_t>();
    const bool chained = record["prev"].get<std::string>() == prev_hash;
    if (seq == prev_seq + 1 && !chained) {
      if (line_no > 1) --r.records;  // the previous record, counted good, is the edited one
      return broken(line_no == 1 ? line_no : line_no - 1,
                    line_no == 1 ? "the first record was edited: its prev is not the start of a chain"
                                 : fmt::format("record {} (line {}) was edited: its hash is not the one record {} "
                                               "(line {}) holds",
                                               prev_seq, line_no - 1, seq, line_no));
    }
    if (seq > prev_seq + 1)
      return broken(line_no, fmt::format("records {} to {} are missing before line {}: they were removed",
                                         prev_seq + 1, seq - 1, line_no));
    if (seq <= prev_seq)
      return broken(line_no, fmt::format("record {} at line {} comes after record {}: records were reordered or "
                                         "inserted",
                                         seq, line_no, prev_seq));
    prev_hash = record_hash(line);
    prev_seq = seq;
    ++r.records;
  }
  r.last_hash = prev_hash;
  return r;
}

}  // namespace ringfence::audit
