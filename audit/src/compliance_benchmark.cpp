// A process judged against a benchmark rather than its own approved
// profile: `audit scan --benchmark` for containers of other engines.
#include <sys/resource.h>

#include <algorithm>
#include <sstream>

#include <fmt/core.h>

#include "compliance_exposure.h"
#include "ringfence/audit/compliance.h"
#include "ringfence/audit/controls.h"

namespace ringfence::audit {
namespace {

using enforcer::Holds;
using enforcer::Verdict;

// Controls that compare a process with a plan exactly: meaningful for a
// sandbox started from the profile, not for a container judged against a
// reference it was never given.
constexpr std::string_view kExactControls[] = {"RF-CAP-007", "RF-NS-008", "RF-SEC-002"};
// Controls replaced here by "is there any bound".
constexpr std::string_view kBoundControls[] = {"RF-RES-001", "RF-RES-002", "RF-RES-003", "RF-RLIM-001"};

template <std::size_t N>
bool one_of(const std::string_view (&list)[N], const std::string& id) {
  return std::find(std::begin(list), std::end(list), id) != std::end(list);
}

// The first cgroup file of these names among the process's directories.
std::optional<std::pair<std::string, std::string>> cgroup_file(const enforcer::ProcessFacts& facts,
                                                               std::initializer_list<const char*> names) {
  for (const char* name : names)
    for (const auto& [controllers, dir] : facts.cgroup_dirs)
      if (const auto it = facts.cgroup_files.find(dir + "/" + name); it != facts.cgroup_files.end())
        return std::make_pair(std::string(name), it->second);
  return std::nullopt;
}

// v1 shows "no limit" as a huge number (or -1), v2 as "max".
bool unbounded(const std::string& value) {
  std::istringstream in(value);
  std::string first;
  in >> first;
  if (first.empty() || first == "max" || first == "-1") return true;
  try {
    return first.size() > 15 && std::stoull(first) >= (1ull << 62);
  } catch (...) {
    return false;
  }
}

Verdict bound_verdict(const enforcer::ProcessFacts& facts, const char* aspect,
                      std::initializer_list<const char*> files, const char* expected) {
  Verdict v{std::nullopt, aspect, Holds::Unknown, "", expected};
  const auto found = cgroup_file(facts, files);
  if (!found) {
    v.observed = facts.cgroup_dirs.empty() ? "the process's cgroup cannot be found" : "no limit file readable";
    return v;
  }
  v.observed = fmt::format("{}={}", found->first, found->second);
  v.holds = unbounded(found->second) ? Holds::No : Holds::Yes;
  return v;
}

Verdict cpu_verdict(const enforcer::ProcessFacts& facts) {
  // A quota bounds the time; a weight other than the default bounds the share.
  Verdict quota = bound_verdict(facts, "cpu", {"cpu.max", "cpu.cfs_quota_us"}, "a CPU quota or a non-default weight");
  if (quota.holds != Holds::No) return quota;
  const auto weight = cgroup_file(facts, {"cpu.weight", "cpu.shares"});
  if (weight && weight->second != "100" && weight->second != "1024") {
    quota.holds = Holds::Yes;
    quota.observed += fmt::format(", {}={}", weight->first, weight->second);
  }
  return quota;
}

Verdict rlimit_verdict(const enforcer::ProcessFacts& facts) {
  Verdict v{std::nullopt, "rlimits", Holds::Unknown, "/proc/PID/limits unreadable",
            "core dumps and open files bounded"};
  if (!facts.limits) return v;
  const auto& limits = *facts.limits;
  const auto nofile = limits.find(enforcer::limits_row(RLIMIT_NOFILE));
  const auto core = limits.find(enforcer::limits_row(RLIMIT_CORE));
  if (nofile == limits.end() || core == limits.end()) return v;
  auto text = [](std::uint64_t n) { return n == RLIM_INFINITY ? std::string("unlimited") : std::to_string(n); };
  v.observed = fmt::format("open files {} (hard {}), core {} (hard {})", text(nofile->second.soft),
                           text(nofile->second.hard), text(core->second.soft), text(core->second.hard));
  // The hard limits: a process raises its soft limit up to them at will.
  v.holds = nofile->second.hard == RLIM_INFINITY || core->second.hard == RLIM_INFINITY ? Holds::No : Holds::Yes;
  return v;
}

}  // namespace

const char* reference_profile(std::string_view benchmark) {
  return benchmark == "pss-restricted" ? "strict" : "default";
}

Report judge_benchmark(const policy::Plan& reference, const enforcer::ProcessFacts& facts, std::string_view benchmark,
                       const std::string& subject) {
  Report report = judge_compliance(reference, facts, subject);
  auto kept = [&](const std::string& id) {
    const Control* c = find_control(id);
    return c != nullptr && c->in_benchmark(benchmark) && !one_of(kExactControls, id) && !one_of(kBoundControls, id);
  };
  std::erase_if(report.findings, [&](const Finding& f) { return !kept(f.control); });
  const std::pair<const char*, Verdict> bounds[] = {
      {"RF-RES-001", bound_verdict(facts, "memory", {"memory.max", "memory.limit_in_bytes"}, "a memory limit")},
      {"RF-RES-002", bound_verdict(facts, "pids", {"pids.max"}, "a pids limit")},
      {"RF-RES-003", cpu_verdict(facts)},
      {"RF-RLIM-001", rlimit_verdict(facts)},
  };
  for (const auto& [id, verdict] : bounds) {
    const Control* c = find_control(id);
    if (c != nullptr && c->in_benchmark(benchmark)) report.findings.push_back(finding_for(id, {verdict}));
  }
  std::sort(report.findings.begin(), report.findings.end(),
            [](const Finding& a, const Finding& b) { return a.control < b.control; });
  report.profile = fmt::format("{} (reference profile {})", benchmark, reference.profile_name);
  return report;
}

}  // namespace ringfence::audit
