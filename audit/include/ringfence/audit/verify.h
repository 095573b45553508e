// Checking an audit log's hash chain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringfence::audit {

struct VerifyResult {
  bool readable = true;       // false: the file could not be read (see problem)
  bool intact = true;         // no record edited, inserted, reordered or removed
  std::uint64_t records = 0;  // complete records checked and found good
  bool torn_tail = false;     // the last line is incomplete (a writer stopped mid-record)
  // Lines (1-based) of records a killed writer left half written and the
  // next writer ended: each is the start of the record at its place in the
  // chain, and the chain goes on from the record before it.
  std::vector<std::size_t> torn_lines;
  std::size_t line = 0;       // where the first problem is (1-based), 0 if none
  std::string problem;        // what it is, in a sentence
  std::string last_hash;      // SHA-256 of the last good record
};

VerifyResult verify_log(const std::string& path);

}  // namespace ringfence::audit
