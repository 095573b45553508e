#include "ringfence/audit/log_summary.h"

#include <algorithm>

#include <fmt/core.h>

#include "ringfence/audit/verify.h"

namespace ringfence::audit {
namespace {

std::string string_field(const nlohmann::json& r, const char* key) {
  const auto it = r.find(key);
  return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A count field that is a number of things: a non-negative integer.
std::uint64_t counted(const nlohmann::json& r, const char* key, std::uint64_t otherwise) {
  const auto it = r.find(key);
  return it != r.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : otherwise;
}

// An errno name as policy::errno_name spells it (EPERM), or the number it
// falls back to for one glibc cannot name.
bool errno_answer(const std::string& answer) {
  if (answer.empty()) return false;
  if (std::all_of(answer.begin(), answer.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
  return answer.size() > 1 && answer[0] == 'E' &&
         std::all_of(answer.begin() + 1, answer.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// Landlock's access as a record may spell it: a name, or a list of names.
std::string access_text(const nlohmann::json& r) {
  const auto it = r.find("access");
  if (it == r.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) return it->dump();
  std::string out;
  for (const auto& a : *it) out += (out.empty() ? "" : ",") + (a.is_string() ? a.get<std::string>() : a.dump());
  return out;
}

void add_once(std::vector<std::string>& list, const std::string& value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

bool is_violation(const nlohmann::json& r) {
  const std::string event = string_field(r, "event");
  if (event == "seccomp.notify") return errno_answer(string_field(r, "answer"));
  // X.denied and X.denied.anything, for any X: the kernel-audit events and
  // whatever refusal a later version records the same way.
  const auto denied = event.find(".denied");
  return denied != std::string::npos && denied > 0 &&
         (denied + 7 == event.size() || event[denied + 7] == '.');
}

void SummaryBuilder::add(const nlohmann::json& r) {
  ++s_.records;
  if (!filter_.matches(r)) return;
  const std::string event = string_field(r, "event");
  const auto sandbox_it = r.find("sandbox");
  // log.seal and log.rotated belong to no sandbox.
  if (sandbox_it == r.end() || !sandbox_it->is_string()) return;
  ++s_.matched;
  const std::string time = string_field(r, "time");
  const auto at = parse_rfc3339(time);
  if (at) {
    if (!first_at_ || *at < *first_at_) {
      first_at_ = *at;
      s_.first = time;
    }
    if (!last_at_ || *last_at_ < *at) {
      last_at_ = *at;
      s_.last = time;
    }
  }
  const std::string sandbox = sandbox_it->get<std::string>();
  SandboxSummary& sb = by_sandbox_[sandbox];
  sb.sandbox = sandbox;
  if (event == "sandbox.start") {
    ++sb.starts;
  } else if (event == "sandbox.stop") {
    ++sb.stops;
    const auto st = r.find("exit_status");
    if (st != r.end() && st->is_number_integer()) ++sb.exit_statuses[st->get<std::int64_t>()];
    else ++sb.unknown_exits;  // an OCI monitor that could not learn it (null)
  } else if (event == "step.failed") {
    ++sb.failed_steps;
  } else if (event == "cgroup.oom") {
    sb.oom_kills += counted(r, "oom_kills", 1);
  } else if (event == "cgroup.pids-limit") {
    sb.pids_limit_hits += counted(r, "refused_forks", 1);
  }
  if (!is_violation(r)) return;
  Refusal row;
  if (std::string syscall = string_field(r, "syscall"); !syscall.empty()) {
    row.kind = "syscall";
    row.what = syscall;
  } else if (std::string access = access_text(r); !access.empty()) {
    row.kind = "access";
    row.what = access;
  } else {
    row.kind = "event";
    row.what = event;
  }
  const auto rule_it = r.find("rule");
  if (rule_it != r.end() && rule_it->is_string()) row.rule = rule_it->get<std::string>();
  Refusal& ref = refusals_.try_emplace({sandbox, row.kind, row.what, row.rule.value_or("")}, row).first->second;
  const std::uint64_t n = counted(r, "count", 1);
  ref.count += n;
  sb.refused += n;
  if (at) {
    if (ref.first.empty() || *at < ref.first_at) {
      ref.first_at = *at;
      ref.first = time;
    }
    if (ref.last.empty() || ref.last_at < *at) {
      ref.last_at = *at;
      ref.last = time;
    }
  }
  add_once(ref.events, event);
  if (event == "seccomp.notify") add_once(ref.answers, string_field(r, "answer"));
  if (const std::string path = string_field(r, "path"); !path.empty() &&
      std::find(ref.paths.begin(), ref.paths.end(), path) == ref.paths.end()) {
    // Past kMaxPaths only a count of the records: a program walking a tree
    // would list the tree.
    if (ref.paths.size() < kMaxPaths) ref.paths.push_back(path);
    else ++ref.more_paths;
  }
}

LogSummary SummaryBuilder::finish(const std::string& log) {
  s_.log = log;
  for (auto& [key, row] : refusals_) by_sandbox_[std::get<0>(key)].refusals.push_back(std::move(row));
  for (auto& [name, sb] : by_sandbox_) {
    // Most refused first: that is what the reviewer reads first.
    std::stable_sort(sb.refusals.begin(), sb.refusals.end(),
                     [](const Refusal& a, const Refusal& b) { return a.count > b.count; });
    s_.sandboxes.push_back(std::move(sb));
  }
  return std::move(s_);
}

Result<LogSummary> summarise_log(const std::string& log, const RecordFilter& filter, bool* broken) {
  SummaryBuilder builder(filter);
  VerifyOptions options;
  options.on_record = [&builder](const nlohmann::json& r) { builder.add(r); };
  const VerifyResult v = verify_log(log, options);
  if (broken) *broken = v.readable && !v.intact;
  if (!v.readable) return Status::failure(v.problem);
  if (!v.intact)
    return Status::failure(fmt::format("{} does not verify ({}{}): a summary of it would not be the log's; "
                                       "see `ringfence audit verify {}`",
                                       log, v.line != 0 ? fmt::format("line {}: ", v.line) : "", v.problem, log));
  return builder.finish(log);
}

}  // namespace ringfence::audit
