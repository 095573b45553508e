// ringfence audit scan [--profile P... | --benchmark B] [--profile-map FILE]
//   [--state-dir RUNTIME=DIR]... [--no-default-state-dirs] [--format F] [--jobs N]
// Every container on the host — ringfence's own sandboxes, those whose
// state runc or crun keep (Docker, containerd, Kubernetes, podman) and any
// other init of a pid namespace /proc shows — judged from the kernel's view
// of its process. Exit 0 when every container judged passes every control;
// 1 when any fails, is unknown or could not be read; 2 for a bad command line.
#include <filesystem>
#include <thread>

#include <fmt/core.h>

#include "ringfence/audit/compliance.h"
#include "ringfence/audit/reporters.h"
#include "ringfence/base/exit_codes.h"
#include "scan_judge.h"
#include "sandbox_ref.h"
#include "verb_audit_scan.h"

namespace ringfence::cli {
namespace {

std::optional<audit::StateDir> parse_state_dir(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq + 1 >= text.size()) return std::nullopt;
  const std::string runtime = text.substr(0, eq);
  if (runtime != "runc" && runtime != "crun") return std::nullopt;
  return audit::StateDir{runtime, text.substr(eq + 1), ""};
}

}  // namespace

void add_audit_scan(CLI::App& audit_cmd, const GlobalOptions& global, std::function<int()>& run) {
  struct Options {
    std::vector<std::string> profiles, state_dirs;
    std::string benchmark, profile_map, format = "text", root, site_policy;
    bool no_default_dirs = false, no_proc = false;
    unsigned jobs = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = audit_cmd.add_subcommand(
      "scan",
      "Find every container on this host (ringfence's, runc's, crun's, Docker's, containerd's, podman's, "
      "Kubernetes', and any other pid namespace) and judge each from the kernel's view of it: exit 0 when all "
      "pass, 1 when any fails, is unknown or cannot be read");
  auto* profile = cmd->add_option("--profile", o->profiles,
                                  "Judge every container against this profile (stacked when repeated)");
  cmd->add_option("--benchmark", o->benchmark,
                  "Judge containers against a benchmark instead: cis-docker, pss-baseline or pss-restricted "
                  "(default: ringfence's sandboxes against their own profile, others against cis-docker)")
      ->check(CLI::IsMember({"cis-docker", "pss-baseline", "pss-restricted"}))
      ->excludes(profile);
  cmd->add_option("--profile-map", o->profile_map,
                  "A TOML file of [[rule]]s matching engine, id, name, image or annotations to a profile or a "
                  "benchmark; the first rule that matches wins (docs/audit.md)");
  cmd->add_option("--state-dir", o->state_dirs,
                  "Also look in this runtime state directory, as RUNTIME=DIR (runc or crun); repeatable")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_flag("--no-default-state-dirs", o->no_default_dirs,
                "Do not look in the runtimes' default state directories (/run/runc, /run/crun, "
                "/run/containerd/runc, /run/docker/runtime-*)");
  cmd->add_flag("--no-proc", o->no_proc, "Do not add the pid namespaces /proc shows that no state names");
  cmd->add_option("--site-policy", o->site_policy,
                  "The site policy floor ringfence-oci containers were created under (default "
                  "/etc/ringfence/policy.toml when it exists)");
  cmd->add_option("--root", o->root, "Where ringfence's sandboxes' state is kept (default: ringfence's --root)");
  cmd->add_option("--format", o->format, "text, json, sarif or junit")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}));
  cmd->add_option("--jobs", o->jobs, "Containers judged at once (default: the cores, at most 4)")
      ->check(CLI::Range(1u, 64u));
  run = [o, &global, cmd]() -> int {
    if (!cmd->parsed()) return -1;
    audit::ReportFormat format{};
    if (!audit::parse_report_format(o->format, &format)) return kExitUsage;
    ScanPolicy policy;
    policy.profiles = o->profiles;
    policy.benchmark = o->benchmark;
    policy.site_policy = o->site_policy;
    if (!o->profile_map.empty()) {
      policy::Diagnostics diags;
      policy.map = policy::load_profile_map(o->profile_map, diags);
      if (!diags.empty()) fmt::print(stderr, "{}", diags.format());
      if (!policy.map) return kExitUsage;
    }
    std::vector<audit::StateDir> dirs;
    if (!o->no_default_dirs) dirs = audit::default_state_dirs();
    for (const auto& text : o->state_dirs) {
      auto dir = parse_state_dir(text);
      if (!dir) {
        fmt::print(stderr, "ringfence: --state-dir {}: give RUNTIME=DIR, RUNTIME being runc or crun\n", text);
        return kExitUsage;
      }
      dirs.push_back(*dir);
    }

    // ringfence's own first: the merge keeps the first state naming a pid.
    const auto root = state_root(global, o->root);
    if (!root) return kExitRuntimeError;
    dirs.insert(dirs.begin(), audit::StateDir{"ringfence", *root, ""});
    std::vector<std::string> warnings;
    std::vector<audit::FoundContainer> from_state;
    for (const auto& dir : dirs)
      for (auto& c : audit::read_state_dir(dir, warnings)) from_state.push_back(std::move(c));
    audit::check_running(from_state);
    std::vector<audit::FoundContainer> from_proc = o->no_proc ? std::vector<audit::FoundContainer>{}
                                                              : audit::pid_namespace_inits();
    audit::check_running(from_proc);
    std::vector<ScanSubject> all;
    for (auto& c : audit::merge_containers(std::move(from_state), std::move(from_proc))) {
      ScanSubject s;
      // ringfence's (its root's, or ringfence-oci's in an engine's runc
      // directory): its whole state, as the runtime reads it, so that it is
      // judged against the profile or bundle it was started with.
      if (c.ref.runtime == "ringfence") {
        const auto container_dir = std::filesystem::path(c.ref.source).parent_path();
        if (auto state = runtime::read_state(container_dir.parent_path().string(), container_dir.filename().string()))
          s.sandbox = std::move(*state);
      }
      s.found = std::move(c);
      all.push_back(std::move(s));
    }
    for (const auto& w : warnings) fmt::print(stderr, "ringfence: warning: {}\n", w);

    ScanOutcome outcome = judge_all(policy, all, o->jobs);
    fmt::print("{}", audit::render_report(outcome.reports, format));
    std::size_t not_judged = 0;
    for (const auto& s : all)
      if (!s.found.running || !s.found.started) {
        ++not_judged;
        fmt::print(stderr, "ringfence: not judged: {} {} (pid {}): {}\n", s.found.ref.engine, s.found.ref.id,
                   s.found.ref.pid, !s.found.started ? "created, not started yet" : s.found.note);
      }
    for (const auto& p : outcome.problems) fmt::print(stderr, "ringfence: cannot judge {}\n", p);
    bool clean = outcome.problems.empty();
    std::size_t failing = 0;
    for (const auto& r : outcome.reports)
      if (!audit::all_pass(r)) {
        clean = false;
        ++failing;
      }
    fmt::print(stderr, "ringfence: {} container{} found, {} judged, {} not passing, {} not judged, {} not readable\n",
               all.size(), all.size() == 1 ? "" : "s", outcome.reports.size(), failing, not_judged,
               outcome.problems.size());
    return clean ? kExitOk : kExitInvalid;
  };
}

}  // namespace ringfence::cli
