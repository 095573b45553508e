// Rotating the audit log without breaking its chain (docs/audit.md,
// "Rotation"). The current file is renamed to "<log>.<first seq>" and a new
// file takes its name, starting with a `log.rotated` record chained to the
// old file's last record: sequence numbers and hashes run on across files,
// and `audit verify` walks them in order. Nothing is ever deleted here;
// how long rotated files are kept is the log collector's business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringfence::audit {

struct RotationPolicy {
  std::uint64_t max_bytes = 64ull << 20;        // rotate once the file is this big
  std::int64_t max_age_seconds = 30 * 86400;    // or its first record is this old
};

// The log's files, oldest first: the rotated ones ("<log>.<digits>", by
// their number) and then the log itself (listed even when missing).
std::vector<std::string> log_files(const std::string& log_path);

// Seconds since the epoch for a record's "time" (RFC 3339 UTC, as the
// writer spells it), or -1 when it is not one.
std::int64_t record_time_seconds(const std::string& time);

}  // namespace ringfence::audit
