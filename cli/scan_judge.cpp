#include "scan_judge.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/core.h>

#include "ringfence/audit/compliance.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/plan_json.h"
#include "site_floor.h"
#include "verbs.h"

namespace ringfence::cli {
namespace {

policy::ContainerLabels labels_of(const audit::ContainerRef& c) {
  return {c.engine, c.id, c.name, c.image, c.annotations};
}

// What a container is judged against, compiled: a plan per (choice, rootfs).
struct Judgement {
  std::optional<policy::Plan> plan;
  std::string benchmark;
  std::string error;  // why there is no plan
};

// The rootfs a container's mounts are judged for: the one its state names,
// else the process's own root as the kernel shows it.
std::string rootfs_of(const ScanSubject& s) {
  if (s.sandbox) return s.sandbox->rootfs;
  if (!s.found.rootfs.empty()) return s.found.rootfs;
  return fmt::format("/proc/{}/root", s.found.ref.pid);
}

Judgement compile_for(const ScanPolicy& policy, const ScanChoice& choice, const ScanSubject& s) {
  Judgement j;
  j.benchmark = choice.benchmark;
  policy::CompileOptions options;
  options.rootfs = rootfs_of(s);
  policy::Compiled compiled;
  if (choice.own_profile && s.sandbox->oci) {
    compiled = compile_bundle(s.sandbox->bundle, policy.site_policy, options);
  } else if (choice.own_profile) {
    // As `exec` does: what `run` was given, recompiled.
    policy::Diagnostics flag_diags;
    std::vector<policy::Layer> extra;
    if (auto layer = policy::layer_from_flags(s.sandbox->flags, flag_diags)) extra.push_back(std::move(*layer));
    compiled = policy::compile(s.sandbox->profile_refs, std::move(extra), options);
    if (compiled.ok() && policy::plan_sha256(*compiled.plan) != s.sandbox->plan_sha256)
      fmt::print(stderr, "ringfence: note: the profile of sandbox '{}' changed since it started; judged against it as it is now\n",
                 s.sandbox->id);
  } else {
    const std::vector<std::string> refs =
        choice.benchmark.empty() ? choice.profiles
                                 : std::vector<std::string>{audit::reference_profile(choice.benchmark)};
    compiled = compile_with_flags(refs, {}, options);
  }
  if (compiled.ok())
    j.plan = std::move(*compiled.plan);
  else
    j.error = "its profile does not compile: " + compiled.diags.format();
  return j;
}

}  // namespace

ScanChoice choose(const ScanPolicy& policy, const ScanSubject& subject) {
  ScanChoice c;
  if (policy.map)
    if (const auto* rule = policy.map->match(labels_of(subject.found.ref))) {
      c.profiles = rule->profiles;
      c.benchmark = rule->benchmark;
      return c;
    }
  if (!policy.profiles.empty()) {
    c.profiles = policy.profiles;
  } else if (!policy.benchmark.empty()) {
    c.benchmark = policy.benchmark;
  } else if (subject.sandbox) {
    c.own_profile = true;
  } else {
    c.benchmark = "cis-docker";
  }
  return c;
}

ScanOutcome judge_all(const ScanPolicy& policy, const std::vector<ScanSubject>& subjects, unsigned jobs) {
  ScanOutcome out;
  // Compiled up front, once per distinct choice and rootfs, on this thread:
  // the workers only read plans.
  std::map<std::string, Judgement> plans;
  std::vector<const Judgement*> judgement_of(subjects.size(), nullptr);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const auto& s = subjects[i];
    if (!s.found.running || !s.found.started) continue;
    const ScanChoice choice = choose(policy, s);
    std::string key = fmt::format("{}|{}|{}", choice.benchmark, rootfs_of(s), choice.own_profile ? s.found.ref.id : "");
    for (const auto& p : choice.profiles) key += "|" + p;
    auto it = plans.find(key);
    if (it == plans.end()) it = plans.emplace(key, compile_for(policy, choice, s)).first;
    judgement_of[i] = &it->second;
    todo.push_back(i);
  }
  std::vector<std::optional<audit::Report>> reports(subjects.size());
  std::vector<std::string> problems(subjects.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t n; (n = next.fetch_add(1)) < todo.size();) {
      const std::size_t i = todo[n];
      const auto& s = subjects[i];
      const Judgement& j = *judgement_of[i];
      const std::string who = fmt::format("{} {}", s.found.ref.engine, s.found.ref.id);
      if (!j.plan) {
        problems[i] = fmt::format("{}: {}", who, j.error);
        continue;
      }
      audit::CheckTarget target;
      target.pid = s.found.ref.pid;
      // Every process of the container, as `audit check --name` judges a
      // sandbox: what an engine exec'd into it is part of it.
      target.every_process = true;
      target.benchmark = j.benchmark;
      target.subject = fmt::format("container:{}/{}", s.found.ref.engine, s.found.ref.id);
      if (s.sandbox) {
        target.sandbox = s.sandbox->id;
        target.launcher = enforcer::ProcessFacts::LauncherRecord{
            {s.sandbox->applied_steps.begin(), s.sandbox->applied_steps.end()},
            {s.sandbox->skipped_steps.begin(), s.sandbox->skipped_steps.end()}};
      }
      audit::Report report;
      if (Status st = audit::check_compliance(*j.plan, target, report); !st) {
        // Ended while it was read: gone, not a finding. Anything else (no
        // permission) means it could not be judged, which must show.
        if (st.err != ESRCH) problems[i] = fmt::format("{} (pid {}): cannot be read: {}", who, target.pid, st.message);
        continue;
      }
      report.container = s.found.ref;
      reports[i] = std::move(report);
    }
  };
  const unsigned threads = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(todo.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    if (reports[i]) out.reports.push_back(std::move(*reports[i]));
    if (!problems[i].empty()) out.problems.push_back(std::move(problems[i]));
  }
  return out;
}

}  // namespace ringfence::cli
