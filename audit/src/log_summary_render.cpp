// audit summary's two outputs: the JSON object whose shape docs/audit.md
// promises, and the table a person reads.
#include <algorithm>

#include <fmt/core.h>

#include "ringfence/audit/log_summary.h"

namespace ringfence::audit {
namespace {

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

// The writer's times to the second: the nanoseconds are the log's business,
// a table of them is unreadable.
std::string short_time(const std::string& t) {
  if (t.size() > 20 && t[19] == '.' && t.back() == 'Z') {
    // Built in place: substr + "Z" trips GCC 12's -Wstringop-overread.
    std::string out(t, 0, 19);
    out.push_back('Z');
    return out;
  }
  return t.empty() ? "-" : t;
}

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string exits_text(const SandboxSummary& sb) {
  std::string out;
  for (const auto& [status, n] : sb.exit_statuses) out += fmt::format("{}exit {}: {}", out.empty() ? "" : ", ", status, n);
  if (sb.unknown_exits) out += fmt::format("{}exit unknown: {}", out.empty() ? "" : ", ", sb.unknown_exits);
  return out.empty() ? "" : " (" + out + ")";
}

std::string detail(const Refusal& r) {
  std::string out;
  for (const auto& a : r.answers) out += (out.empty() ? "" : ",") + a;
  std::string paths;
  for (const auto& p : r.paths) paths += (paths.empty() ? "" : ", ") + p;
  if (r.more_paths) paths += fmt::format(" and {} more", plural(r.more_paths, "record", "records"));
  if (!paths.empty()) out += (out.empty() ? "" : " ") + paths;
  return out;
}

}  // namespace

nlohmann::json summary_json(const LogSummary& s) {
  nlohmann::json sandboxes = nlohmann::json::array();
  for (const auto& sb : s.sandboxes) {
    nlohmann::json exits = nlohmann::json::array();
    for (const auto& [status, n] : sb.exit_statuses) exits.push_back({{"status", status}, {"count", n}});
    if (sb.unknown_exits) exits.push_back({{"status", nullptr}, {"count", sb.unknown_exits}});
    nlohmann::json refusals = nlohmann::json::array();
    for (const auto& r : sb.refusals)
      refusals.push_back({{"kind", r.kind},
                          {"what", r.what},
                          {"rule", r.rule ? nlohmann::json(*r.rule) : nlohmann::json()},
                          {"count", r.count},
                          {"first", or_null(r.first)},
                          {"last", or_null(r.last)},
                          {"events", r.events},
                          {"answers", r.answers},
                          {"paths", r.paths},
                          {"more_paths", r.more_paths}});
    sandboxes.push_back({{"sandbox", sb.sandbox},
                         {"starts", sb.starts},
                         {"stops", sb.stops},
                         {"failed_steps", sb.failed_steps},
                         {"exit_statuses", exits},
                         {"oom_kills", sb.oom_kills},
                         {"pids_limit_hits", sb.pids_limit_hits},
                         {"refused", sb.refused},
                         {"refusals", refusals}});
  }
  return {{"v", 1},
          {"log", s.log},
          {"records", s.records},
          {"matched", s.matched},
          {"first", or_null(s.first)},
          {"last", or_null(s.last)},
          {"sandboxes", sandboxes}};
}

std::string summary_text(const LogSummary& s) {
  std::string out = fmt::format("{}: the chain verifies ({})", s.log, plural(s.records, "record", "records"));
  if (s.matched == 0) return out + "; no sandbox record matches\n";
  out += fmt::format("; {} from {} to {}\n",
                     plural(s.matched, "sandbox record", "sandbox records"), short_time(s.first), short_time(s.last));
  for (const auto& sb : s.sandboxes) {
    out += fmt::format("\nsandbox {}\n", sb.sandbox);
    out += fmt::format("  runs:    {} started, {} stopped{}{}\n", sb.starts, sb.stops, exits_text(sb),
                       sb.failed_steps ? fmt::format(", {} did not start", plural(sb.failed_steps, "run", "runs")) : "");
    out += fmt::format("  limits:  {}, {}\n", plural(sb.oom_kills, "OOM kill", "OOM kills"),
                       plural(sb.pids_limit_hits, "fork refused at the pids limit", "forks refused at the pids limit"));
    if (sb.refusals.empty()) {
      out += "  refused: nothing\n";
      continue;
    }
    out += fmt::format("  refused: {}\n", plural(sb.refused, "time", "times"));
    // Columns as wide as their widest cell.
    std::size_t wcount = 5, wwhat = 7, wrule = 4;
    for (const auto& r : sb.refusals) {
      wcount = std::max(wcount, fmt::format("{}", r.count).size());
      wwhat = std::max(wwhat, r.kind.size() + 1 + r.what.size());
      wrule = std::max(wrule, r.rule.value_or("-").size());
    }
    out += fmt::format("    {:>{}}  {:<{}}  {:<{}}  {:<20}  {:<20}  {}\n", "COUNT", wcount, "REFUSED", wwhat, "RULE",
                       wrule, "FIRST", "LAST", "ANSWER/PATHS");
    for (const auto& r : sb.refusals) {
      const std::string line =
          fmt::format("    {:>{}}  {:<{}}  {:<{}}  {:<20}  {:<20}  {}", r.count, wcount, r.kind + " " + r.what, wwhat,
                      r.rule.value_or("-"), wrule, short_time(r.first), short_time(r.last), detail(r));
      out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
    }
  }
  return out;
}

}  // namespace ringfence::audit
