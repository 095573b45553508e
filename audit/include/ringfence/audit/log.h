// The audit log: append-only JSON Lines, one event per line, each line
// carrying the SHA-256 of the line before it, so that `ringfence audit
// verify` finds any edited, inserted, reordered or removed record and a
// torn last line. See docs/audit.md for the schema (version 1).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ringfence/base/status.h"

namespace ringfence::audit {

inline constexpr const char* kDefaultLogPath = "/var/log/ringfence/audit.jsonl";
inline constexpr int kSchemaVersion = 1;
// The "prev" of the first record.
inline constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

// Appends `event` (an object with at least "event") to the log at `path`:
// adds "v", "seq", "time" and "prev", writes it as one line with one
// write(2) under an exclusive lock (several supervisors share the log), and
// fsyncs it (the fsync policy of docs/audit.md). Creates the log 0600 and
// its directory 0700 when they are missing.
Status append_event(const std::string& path, nlohmann::json event);

// The SHA-256 (hex) that the next record's "prev" must hold for `line`
// (the record as written, without its newline).
std::string record_hash(std::string_view line);

}  // namespace ringfence::audit
