#include "ringfence/audit/verify.h"

#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/log.h"

namespace ringfence::audit {

namespace {

// A writer killed in the middle of a batch leaves the start of a record
// without its end; the next writer ends that line and chains its first
// record to the last complete one (LogWriter::resync). Such a line is the
// beginning of the record due at its place — `{"v":1,"seq":N,` with N the
// next sequence number, or a prefix of that — and the line after it, if
// any, is record N chained to record N-1. Anything else is an insertion.
bool torn_and_recovered(std::string_view line, std::string_view next, std::uint64_t prev_seq,
                        const std::string& prev_hash) {
  const std::string due = fmt::format(R"({{"v":{},"seq":{},)", kSchemaVersion, prev_seq + 1);
  const bool starts_right = line.size() >= due.size() ? line.substr(0, due.size()) == due
                                                      : std::string_view(due).substr(0, line.size()) == line;
  if (line.empty() || !starts_right) return false;
  if (next.empty()) return true;
  const auto after = nlohmann::json::parse(next, nullptr, false);
  return !after.is_discarded() && after.is_object() && after.value("seq", std::uint64_t{0}) == prev_seq + 1 &&
         after.value("prev", std::string()) == prev_hash;
}

}  // namespace

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
    if (record.is_discarded() || !record.is_object()) {
      if (torn_and_recovered(line, text.substr(start, text.find('\n', start) - start), prev_seq, prev_hash)) {
        r.torn_lines.push_back(line_no);
        continue;
      }
      return broken(line_no, fmt::format("line {} is not a JSON record: it was edited or inserted", line_no));
    }
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
