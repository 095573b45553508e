// `ringfence audit summary`: per sandbox, what was refused how often, and
// how its runs went — the page a reviewer reads before approving a profile
// (docs/audit.md, "Reading"). Built only from a log whose chain verifies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/audit/log_filter.h"

namespace ringfence::audit {

// A violation record: a `seccomp.notify` the supervisor answered with an
// errno, and any `*.denied` or `*.denied.*` event (seccomp.denied,
// landlock.denied, seccomp.denied.summary: the kernel's own refusals).
// A learned call ("continue (learn)") and a caller killed before the answer
// ("none (the caller is gone)") were not refused.
bool is_violation(const nlohmann::json& record);

// What was refused, by which rule, how often and when.
struct Refusal {
  std::string kind;  // "syscall", "access" (Landlock), or "event" when the record names neither
  std::string what;  // the syscall, the access, or the event
  std::optional<std::string> rule;  // FILE:LINE:COLUMN or "default", as the record has it
  std::uint64_t count = 0;          // a record's `count`, else 1 per record
  std::string first, last;          // the earliest and latest record's time
  std::vector<std::string> events;  // the events it came from
  std::vector<std::string> answers; // seccomp.notify's errno names
  std::vector<std::string> paths;   // Landlock's paths, the first kMaxPaths distinct ones
  std::uint64_t more_paths = 0;     // records whose path is not among those
  Instant first_at, last_at;
};
inline constexpr std::size_t kMaxPaths = 8;

struct SandboxSummary {
  std::string sandbox;
  std::uint64_t starts = 0, stops = 0, failed_steps = 0;
  std::map<std::int64_t, std::uint64_t> exit_statuses;  // status -> how many stops had it
  std::uint64_t unknown_exits = 0;                      // stops whose status is null
  std::uint64_t oom_kills = 0, pids_limit_hits = 0;  // summed from cgroup.oom, cgroup.pids-limit
  std::uint64_t refused = 0;                         // the sum of refusals' counts
  std::vector<Refusal> refusals;                     // most frequent first
};

struct LogSummary {
  std::string log;
  std::uint64_t records = 0;         // verified records read (before the filter)
  std::uint64_t matched = 0;         // of them, those the filter kept
  std::string first, last;           // the kept records' earliest and latest time
  std::vector<SandboxSummary> sandboxes;  // by name
};

// Adds records one at a time, in log order, then finish() sorts.
class SummaryBuilder {
 public:
  explicit SummaryBuilder(RecordFilter filter) : filter_(std::move(filter)) {}
  void add(const nlohmann::json& record);
  LogSummary finish(const std::string& log);

 private:
  RecordFilter filter_;
  LogSummary s_;
  std::map<std::string, SandboxSummary> by_sandbox_;
  // (sandbox, kind, what, rule) -> its row
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Refusal> refusals_;
  std::optional<Instant> first_at_, last_at_;
};

// The whole log's chain verified (as `audit verify` without a key), then
// summarised. A log that cannot be read or does not verify is a failure
// whose message says which, and nothing is summarised: a summary of a log
// someone edited would be the editor's summary. `broken` tells them apart.
Result<LogSummary> summarise_log(const std::string& log, const RecordFilter& filter, bool* broken = nullptr);

// The JSON shape of docs/audit.md ("audit summary"), and the text table.
nlohmann::json summary_json(const LogSummary& s);
std::string summary_text(const LogSummary& s);

}  // namespace ringfence::audit
