// Checking an audit log: its hash chain across rotated files, its seals
// (with the verification key) and heads shipped elsewhere (docs/audit.md,
// "Verifying").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/audit/seal.h"
#include "ringfence/base/result.h"

namespace ringfence::audit {

// A record's place in the chain: what `audit head` prints and
// `verify --expect` takes, as "SEQ:HASH".
struct Head {
  std::uint64_t seq = 0;
  std::string hash;  // SHA-256 of the record's line
};
Result<Head> parse_head(const std::string& text);

struct VerifyOptions {
  std::optional<VerificationKey> key;  // check the seals this key made
  std::vector<Head> expect;            // heads that must still be in the log
  // Called with each record whose place in the chain checked out, in order:
  // what `audit summary` reads, so that it reads what was verified and not
  // the file again. The record after one may still show it was edited, so
  // use what was passed only when the whole log is intact.
  std::function<void(const nlohmann::json&)> on_record;
};

struct VerifyResult {
  bool readable = true;       // false: a file could not be read (see problem)
  bool intact = true;         // nothing edited, inserted, reordered or removed; every check passed
  std::uint64_t records = 0;  // complete records checked and found good
  std::vector<std::string> files;  // the files read, oldest first
  std::uint64_t first_seq = 0;     // the first record's seq: 1 unless older files were removed
  bool torn_tail = false;     // the last line is incomplete (a writer stopped mid-record)
  // Records a killed writer left half written and the next writer ended
  // (file, 1-based line): each is the start of the record at its place in
  // the chain, and the chain goes on from the record before it.
  std::vector<std::pair<std::string, std::size_t>> torn_lines;
  std::string file;           // where the first problem is
  std::size_t line = 0;       // its line in `file` (1-based), 0 if none
  std::string problem;        // what it is, in a sentence
  Head last;                  // the last good record
  std::string last_hash;      // last.hash (kept for the older callers)

  // Seals. Without a key they are counted and their epochs checked, not
  // their MACs.
  std::uint64_t seals = 0;          // seal records seen (any key)
  bool seals_checked = false;       // a key was given, and every seal it made verified
  std::uint64_t sealed_through = 0; // seq of the last seal that verified (0: none)
  std::string sealed_at;            // that seal's time
  std::uint64_t unsealed = 0;       // records after it
  std::vector<std::string> other_log_ids;  // seals made by another key (not checked)
};

VerifyResult verify_log(const std::string& path, const VerifyOptions& options = {});

// The last complete record of the log (no verification: what a log
// collector ships every minute must be cheap).
Result<Head> log_head(const std::string& path);

}  // namespace ringfence::audit
