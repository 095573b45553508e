// A sandbox's processes, each judged on its own, made into one report: a
// control holds for the sandbox only when it holds on every process.
#include <map>

#include <fmt/core.h>

#include "ringfence/audit/compliance.h"

namespace ringfence::audit {
namespace {

constexpr std::size_t kNamedProcesses = 3;  // in a finding's observed, before "and N other processes"

int merge_rank(Outcome o) { return o == Outcome::Fail ? 2 : o == Outcome::Unknown ? 1 : 0; }

std::string plural_processes(std::size_t n) { return fmt::format("{} other process{}", n, n == 1 ? "" : "es"); }

struct Seen {
  pid_t pid;
  const Finding* finding;
};

Finding merged_finding(const std::vector<Seen>& all, std::size_t process_count) {
  int worst = 0;
  for (const auto& s : all) worst = std::max(worst, merge_rank(s.finding->outcome));
  std::vector<const Seen*> deciding;
  for (const auto& s : all)
    if (merge_rank(s.finding->outcome) == worst) deciding.push_back(&s);
  Finding f = *deciding.front()->finding;
  const std::size_t named = worst == 0 ? 1 : std::min(kNamedProcesses, deciding.size());
  f.observed.clear();
  std::string pids;
  for (std::size_t i = 0; i < named; ++i) {
    const Seen& s = *deciding[i];
    f.observed += fmt::format("{}pid {}: {}", i ? "; " : "", s.pid, s.finding->observed);
    pids += fmt::format("{}{}", i ? ", " : "", s.pid);
  }
  const std::size_t rest = deciding.size() - named;
  if (worst == 0) {
    if (all.size() > 1) f.observed += fmt::format("; holds on {} too", plural_processes(all.size() - 1));
    f.message += fmt::format(" on {} process{}", all.size(), all.size() == 1 ? "" : "es");
    return f;
  }
  if (rest > 0) {
    f.observed += fmt::format("; and {}", plural_processes(rest));
    pids += fmt::format(" and {} more", rest);
  }
  f.message += fmt::format(" ({} of {} process{}: pid {})", deciding.size(), process_count,
                           process_count == 1 ? "" : "es", pids);
  return f;
}

}  // namespace

Report merge_process_reports(const std::vector<ProcessReport>& processes, const std::string& subject) {
  Report out;
  out.kind = Report::Kind::Compliance;
  out.subject = subject;
  if (processes.empty()) return out;
  out.profile = processes.front().report.profile;
  out.container = processes.front().report.container;
  if (processes.size() == 1) {
    out.findings = processes.front().report.findings;
    return out;
  }
  // The controls in the order they first come (each report is in ID order,
  // and every process is judged against the same plan).
  std::vector<std::string> order;
  std::map<std::string, std::vector<Seen>> by_control;
  for (const auto& p : processes)
    for (const auto& f : p.report.findings) {
      auto& seen = by_control[f.control];
      if (seen.empty()) order.push_back(f.control);
      seen.push_back({p.pid, &f});
    }
  for (const auto& id : order) out.findings.push_back(merged_finding(by_control[id], processes.size()));
  return out;
}

}  // namespace ringfence::audit
