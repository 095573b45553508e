// Choosing records of the audit log as a reviewer asks for them: by
// sandbox, time, event and the rule that decided (`ringfence audit show`
// and `audit summary`, docs/audit.md "Reading"). Reading applies no trust:
// show prints what the files hold, summary verifies the chain first.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"

namespace ringfence::audit {

// An instant to the nanosecond. Records' times are RFC 3339 UTC with
// nanoseconds, a person's are often whole seconds or another offset: they
// compare as instants, never as strings ("…00Z" sorts after "…00.5Z").
struct Instant {
  std::int64_t seconds = 0;  // since the epoch
  std::int32_t nanos = 0;    // 0 to 999,999,999
  auto operator<=>(const Instant&) const = default;
};

// RFC 3339 date-time: 2026-11-28T00:15:18Z, 2026-11-28T00:15:18.572320087Z,
// 2026-11-28T01:15:18+01:00 (the separators may be lower case).
Result<Instant> parse_rfc3339(std::string_view text);

// --event: an event name (sandbox.start), or a prefix that ends in "." or
// "*" (seccomp., seccomp.*, cgroup*); "*" alone is every event.
class EventPattern {
 public:
  static Result<EventPattern> parse(const std::string& text);
  bool matches(std::string_view event) const;

 private:
  std::string text_;  // without the "*"
  bool prefix_ = false;
};

// --rule: the record's `rule` is TEXT, or starts with it at a boundary of
// its FILE:LINE:COLUMN — TEXT is followed there by ":", or ends in ":" or
// "/" itself — so that profiles/a.toml:4 does not take profiles/a.toml:42.
bool rule_matches(std::string_view rule, std::string_view text);

// The filters as given on the command line; empty means not given.
struct FilterFlags {
  std::string sandbox, since, until, rule;
  std::vector<std::string> events;
};

// Every condition must hold (AND); any one of several events may.
struct RecordFilter {
  std::string sandbox;
  std::optional<Instant> since, until;  // both inclusive
  std::vector<EventPattern> events;
  std::string rule;

  // The flags checked; a bad time or pattern is a failure that names its
  // flag (a usage error).
  static Result<RecordFilter> parse(const FilterFlags& flags);
  bool matches(const nlohmann::json& record) const;
};

// Calls `each` with every line of the log (its rotated files oldest first,
// then LOG) that is a JSON object, as `audit show` always read it: a line
// that is not (a torn tail) is passed over. Nothing is verified here.
Status for_each_record(const std::string& log, const std::function<void(const nlohmann::json&)>& each);

}  // namespace ringfence::audit
