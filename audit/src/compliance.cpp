#include "ringfence/audit/compliance.h"

#include <map>
#include <memory>

#include <fmt/core.h>

#include "compliance_exposure.h"
#include "ringfence/audit/controls.h"
#include "ringfence/enforcer/verify.h"

namespace ringfence::audit {
namespace {

using enforcer::Holds;
using enforcer::Verdict;

std::string joined(const std::vector<const Verdict*>& vs, std::string Verdict::*field) {
  std::string out;
  for (const Verdict* v : vs) {
    if (!out.empty()) out += "; ";
    out += vs.size() > 1 ? fmt::format("{}: {}", v->aspect, v->*field) : v->*field;
  }
  return out;
}

}  // namespace

Finding finding_for(const std::string& id, const std::vector<Verdict>& verdicts) {
  std::vector<const Verdict*> failing, unknown, all;
  for (const auto& v : verdicts) {
    all.push_back(&v);
    if (v.holds == Holds::No) failing.push_back(&v);
    if (v.holds == Holds::Unknown) unknown.push_back(&v);
  }
  const Control* c = find_control(id);
  const std::string title = c ? c->title : id;
  Finding f;
  f.control = id;
  const auto& shown = !failing.empty() ? failing : !unknown.empty() ? unknown : all;
  f.observed = joined(shown, &Verdict::observed);
  f.expected = joined(shown, &Verdict::expected);
  std::string aspects;
  for (const Verdict* v : shown) aspects += (aspects.empty() ? "" : ", ") + v->aspect;
  if (!failing.empty()) {
    f.outcome = Outcome::Fail;
    f.message = fmt::format("{} ({}): the process differs from the profile", title, aspects);
  } else if (!unknown.empty()) {
    f.outcome = Outcome::Unknown;
    f.message = fmt::format("{} ({}): the kernel does not show enough to judge it", title, aspects);
  } else {
    f.outcome = Outcome::Pass;
    f.message = fmt::format("{} ({}): holds", title, aspects);
  }
  return f;
}

Report judge_compliance(const policy::Plan& plan, const enforcer::ProcessFacts& facts, const std::string& subject) {
  std::map<std::string, std::vector<Verdict>> by_control;  // in ID order
  for (const auto& step : plan.steps)
    for (auto& v : enforcer::verify_step(step, plan, facts)) {
      const std::string id = control_for(step.kind(), v.aspect);
      if (!id.empty()) by_control[id].push_back(std::move(v));
    }
  for (auto& [id, v] : exposure_verdicts(plan, facts)) by_control[id].push_back(std::move(v));

  Report report;
  report.kind = Report::Kind::Compliance;
  report.subject = subject;
  report.profile = plan.profile_name;
  for (const auto& [id, verdicts] : by_control) report.findings.push_back(finding_for(id, verdicts));
  return report;
}

bool all_pass(const Report& report) {
  for (const auto& f : report.findings)
    if (f.outcome != Outcome::Pass) return false;
  return !report.findings.empty();
}

Status check_compliance(const policy::Plan& plan, const CheckTarget& target, Report& report) {
  enforcer::FactsOptions options;
  options.read_seccomp_filters = target.read_seccomp_filters;
  options.probe_paths = enforcer::paths_to_probe(plan);
  options.cgroup_files = enforcer::cgroup_files_to_read(plan);
  options.before_recheck = target.before_recheck;
  const std::string subject =
      !target.subject.empty() ? target.subject
      : target.sandbox        ? "sandbox:" + *target.sandbox
                              : fmt::format("pid:{}", target.pid);
  auto judge = [&](enforcer::ProcessFacts& facts) {
    facts.launcher = target.launcher;
    facts.sandbox = target.sandbox;
    return target.benchmark.empty() ? judge_compliance(plan, facts, subject)
                                    : judge_benchmark(plan, facts, target.benchmark, subject);
  };
  // One pass over /proc for the network namespace peers of them all.
  if (target.every_process) options.net_index = std::make_shared<enforcer::NetNamespaceIndex>();
  enforcer::ProcessFacts facts;
  if (Status st = enforcer::read_process_facts(target.pid, options, facts); !st) return st;
  if (!target.every_process) {
    report = judge(facts);
    return {};
  }
  std::vector<ProcessReport> judged;
  judged.push_back({target.pid, judge(facts)});
  std::vector<enforcer::SandboxProcess> members;
  if (Status st = enforcer::sandbox_processes(target.pid, true, members); !st) return st;
  options.before_recheck = nullptr;  // the init's only
  for (const auto& m : members) {
    if (m.pid == target.pid) continue;
    options.start_time = m.start_time;
    if (Status st = enforcer::read_process_facts(m.pid, options, facts); !st) {
      if (st.err == ESRCH) continue;  // ended meanwhile: no longer one of the sandbox's
      return st;
    }
    judged.push_back({m.pid, judge(facts)});
  }
  report = merge_process_reports(judged, subject);
  return {};
}

}  // namespace ringfence::audit
