#include "ringfence/audit/log_filter.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <tuple>

#include <fmt/core.h>

#include "ringfence/audit/log_rotation.h"

namespace ringfence::audit {
namespace {

// Reads `count` decimal digits at `at`; false when any is not a digit.
bool digits(std::string_view s, std::size_t at, std::size_t count, int& out) {
  if (at + count > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

bool event_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

}  // namespace

Result<Instant> parse_rfc3339(std::string_view s) {
  const auto bad = [&s](const char* why) {
    return Status::failure(fmt::format("'{}' is not an RFC 3339 time ({}); write it as 2026-11-28T00:15:18Z", s, why));
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, hour) || s[13] != ':' ||
      !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return bad("a date and a time, YYYY-MM-DDTHH:MM:SS, then Z or an offset");
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return bad("no such date");
  // 60: a leap second, as RFC 3339 allows; it counts as the next second.
  if (hour > 23 || minute > 59 || second > 60) return bad("no such time of day");
  std::size_t at = 19;
  std::int32_t nanos = 0;
  if (at < s.size() && s[at] == '.') {
    std::size_t n = 0;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n)
      if (n < 9) nanos = nanos * 10 + (s[at] - '0');  // past nanoseconds: dropped
    if (n == 0) return bad("a '.' without digits");
    for (; n < 9; ++n) nanos *= 10;
  }
  std::int64_t offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' || !digits(s, at + 4, 2, om) || oh > 23 ||
        om > 59)
      return bad("an offset is +HH:MM or -HH:MM");
    offset = (s[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    at += 6;
  } else {
    return bad("no Z or offset after the time: say which zone it is in");
  }
  if (at != s.size()) return bad("something follows the time");
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return Instant{static_cast<std::int64_t>(timegm(&t)) - offset, nanos};
}

Result<EventPattern> EventPattern::parse(const std::string& text) {
  EventPattern p;
  p.text_ = text;
  if (!p.text_.empty() && p.text_.back() == '*') {
    p.prefix_ = true;
    p.text_.pop_back();
  } else if (!p.text_.empty() && p.text_.back() == '.') {
    p.prefix_ = true;
  }
  if (text.empty()) return Status::failure("an empty event pattern; give an event (sandbox.start) or a prefix (seccomp.*)");
  if (!std::all_of(p.text_.begin(), p.text_.end(), event_char))
    return Status::failure(fmt::format("'{}' is not an event pattern: an event name (sandbox.start), or a prefix "
                                       "ending in '.' or '*' (seccomp.*); '*' only at the end",
                                       text));
  return p;
}

bool EventPattern::matches(std::string_view event) const {
  return prefix_ ? event.substr(0, text_.size()) == text_ : event == text_;
}

bool rule_matches(std::string_view rule, std::string_view text) {
  if (text.empty() || rule.size() < text.size() || rule.substr(0, text.size()) != text) return false;
  return rule.size() == text.size() || rule[text.size()] == ':' || text.back() == ':' || text.back() == '/';
}

Result<RecordFilter> RecordFilter::parse(const FilterFlags& flags) {
  RecordFilter f;
  f.sandbox = flags.sandbox;
  f.rule = flags.rule;
  for (const auto& [flag, text, into] : {std::tuple{"--since", &flags.since, &f.since},
                                         std::tuple{"--until", &flags.until, &f.until}}) {
    if (text->empty()) continue;
    auto at = parse_rfc3339(*text);
    if (!at) return Status::failure(fmt::format("{}: {}", flag, at.status().message));
    *into = *at;
  }
  if (f.since && f.until && *f.until < *f.since)
    return Status::failure(fmt::format("--until {} is before --since {}: no record can match", flags.until, flags.since));
  for (const auto& e : flags.events) {
    auto p = EventPattern::parse(e);
    if (!p) return Status::failure("--event: " + p.status().message);
    f.events.push_back(*p);
  }
  return f;
}

bool RecordFilter::matches(const nlohmann::json& r) const {
  const auto text = [&r](const char* key) {
    const auto it = r.find(key);
    return it != r.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view();
  };
  if (!sandbox.empty() && text("sandbox") != sandbox) return false;
  if (since || until) {
    // A record without a time it can be placed at is outside any window.
    auto at = parse_rfc3339(text("time"));
    if (!at || (since && *at < *since) || (until && *until < *at)) return false;
  }
  if (!events.empty() &&
      std::none_of(events.begin(), events.end(), [&](const EventPattern& p) { return p.matches(text("event")); }))
    return false;
  if (!rule.empty() && !rule_matches(text("rule"), rule)) return false;
  return true;
}

Status for_each_record(const std::string& log, const std::function<void(const nlohmann::json&)>& each) {
  for (const auto& file : log_files(log)) {
    std::ifstream in(file);
    if (!in) return Status::failure(fmt::format("cannot read {}", file));
    std::string line;
    while (std::getline(in, line)) {
      auto r = nlohmann::json::parse(line, nullptr, false);
      if (r.is_discarded() || !r.is_object()) continue;
      each(r);
    }
  }
  return Status::success();
}

}  // namespace ringfence::audit
