// ringfence audit check (--pid PID [--all-processes] | --name NAME) --profile P... [--format F]
// A live process, or every process of a sandbox, judged against a profile: exit 0 only when every control
// passes; 1 when any fails or cannot be judged; 2 usage; 125 when the
// process cannot be read (gone, ended during the check, no permission).
#include <poll.h>
#include <signal.h>

#include <cstdlib>
#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/base/fault.h"
#include "ringfence/audit/compliance.h"
#include "ringfence/audit/reporters.h"
#include "ringfence/base/fd.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/runtime/state.h"
#include "ringfence/policy/oci_config.h"
#include "sandbox_ref.h"
#include "site_floor.h"
#include "verb_audit_check.h"

namespace ringfence::cli {
namespace {

// Fault injection for tests: the target ends after it was read and before
// the pidfd is checked again, the race a real check can lose.
std::function<void()> injected_fault(pid_t pid) {
  if (fault::named("RINGFENCE_CHECK_FAULT", "target-exits"))
    return [pid] {
      Fd fd(enforcer::pidfd_open_process(pid));
      if (!fd.valid()) return;
      (void)enforcer::pidfd_signal(fd.get(), SIGKILL);
      pollfd p{fd.get(), POLLIN, 0};
      (void)poll(&p, 1, 5000);
    };
  return {};
}

}  // namespace

void add_audit_check(CLI::App& audit_cmd, const GlobalOptions& global, std::function<int()>& run) {
  struct Options {
    pid_t pid = 0;
    bool all_processes = false;
    std::string name, format = "text", root, rootfs, oci, site_policy;
    std::vector<std::string> profiles;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = audit_cmd.add_subcommand(
      "check",
      "Judge a live process, or every process of a sandbox, against a profile: exit 0 when every control passes, 1 when any fails or is unknown, "
      "2 for a bad command line, 125 when the process cannot be read");
  auto* pid = cmd->add_option("--pid", o->pid, "The process to check (every thread of it)");
  auto* name = cmd->add_option("--name", o->name,
                               "A running sandbox, by name: every process in it (its init's pid namespace and those "
                               "below), each with every thread");
  pid->excludes(name);
  name->excludes(pid);
  cmd->add_flag("--all-processes", o->all_processes,
                "With --pid: check every process of that process's sandbox (its pid namespace and those below), "
                "not only that one; give the pid of a container's init")
      ->needs(pid);
  auto* profile =
      cmd->add_option("--profile", o->profiles, "Profile file(s) or shipped name(s) to check against; later ones stack");
  cmd->add_option("--oci", o->oci, "Check against this OCI bundle's config.json instead (an engine's container)")
      ->excludes(profile);
  cmd->add_option("--site-policy", o->site_policy,
                  "With --oci: the site policy floor the container was created under (default "
                  "/etc/ringfence/policy.toml when it exists, as ringfence-oci)");
  cmd->add_option("--format", o->format, "text, json, sarif or junit")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}));
  cmd->add_option("--root", o->root, "Where sandboxes' state is kept (default: ringfence's --root)");
  cmd->add_option("--rootfs", o->rootfs, "Compile the profile for this rootfs (--name: the sandbox's own)");
  run = [o, &global, cmd] {
    if (o->pid <= 0 && o->name.empty()) {
      fmt::print(stderr, "ringfence: audit check needs --pid PID or --name NAME\n{}", cmd->help());
      return kExitUsage;
    }
    if (o->profiles.empty() && o->oci.empty()) {
      fmt::print(stderr, "ringfence: audit check needs --profile PROFILE or --oci BUNDLE\n{}", cmd->help());
      return kExitUsage;
    }
    audit::ReportFormat format{};
    if (!audit::parse_report_format(o->format, &format)) return kExitUsage;
    audit::CheckTarget target;
    policy::CompileOptions options;
    options.rootfs = o->rootfs;
    if (!o->name.empty()) {
      if (!usable_name(o->name)) return kExitUsage;
      const auto root = state_root(global, o->root);
      if (!root) return kExitRuntimeError;
      const auto state = runtime::read_state(*root, o->name);
      if (!state) {
        fmt::print(stderr, "ringfence: {}\n", state.status().message);
        return kExitRuntimeError;
      }
      if (!runtime::same_process(state->pid, state->pid_start_time)) {
        fmt::print(stderr, "ringfence: sandbox '{}' is not running\n", o->name);
        return kExitRuntimeError;
      }
      target.pid = state->pid;
      target.sandbox = o->name;
      target.every_process = true;
      target.launcher = enforcer::ProcessFacts::LauncherRecord{
          {state->applied_steps.begin(), state->applied_steps.end()},
          {state->skipped_steps.begin(), state->skipped_steps.end()}};
      if (o->rootfs.empty()) options.rootfs = state->rootfs;
    } else {
      target.pid = o->pid;
      target.every_process = o->all_processes;
    }
    target.before_recheck = injected_fault(target.pid);
    auto compiled = o->oci.empty() ? compile_with_flags(o->profiles, {}, options) : compile_bundle(o->oci, o->site_policy, options);
    if (!compiled.ok()) return kExitUsage;
    audit::Report report;
    if (Status st = audit::check_compliance(*compiled.plan, target, report); !st) {
      fmt::print(stderr, "ringfence: cannot check {}: {}\n",
                 target.sandbox ? "sandbox '" + *target.sandbox + "'" : fmt::format("pid {}", target.pid), st.message);
      return kExitRuntimeError;
    }
    fmt::print("{}", audit::render_report({report}, format));
    if (audit::all_pass(report)) return kExitOk;
    // Loudly, on stderr too, so that a script that drops stdout still sees it.
    for (const auto& f : report.findings)
      if (f.outcome != audit::Outcome::Pass)
        fmt::print(stderr, "ringfence: {} {}: {}\n", f.control, audit::outcome_name(f.outcome), f.message);
    return kExitInvalid;
  };
}

}  // namespace ringfence::cli
