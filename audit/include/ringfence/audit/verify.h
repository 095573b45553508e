// Checking an audit log's hash chain.
#pragma once

#include <cstdint>
#include <string>

namespace ringfence::audit {

struct VerifyResult {
  bool readable = true;       // false: the file could not be read (see problem)
  bool intact = true;         // no record edited, inserted, reordered or removed
  std::uint64_t records = 0;  // complete records checked and found good
  bool torn_tail = false;     // the last line is incomplete (a writer stopped mid-record)
  std::size_t line = 0;       // where the first problem is (1-based), 0 if none
  std::string problem;        // what it is, in a sentence
  std::string last_hash;      // SHA-256 of the last good record
};

VerifyResult verify_log(const std::string& path);

}  // namespace ringfence::audit
