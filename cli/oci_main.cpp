// The command line engines call (runc's): global options, then a verb.
// Reached as `ringfence-oci` (a link to the ringfence binary) or as
// `ringfence oci`.
#include <unistd.h>

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "oci_main.h"
#include "oci_verbs.h"

namespace ringfence::cli {

int oci_main(int argc, char** argv) {
  CLI::App app{"ringfence-oci: ringfence as an OCI runtime, for podman, Docker, containerd and CRI-O",
               "ringfence-oci"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", oci_version_text());
  OciGlobals g;
  std::string log_format = "text";
  std::string rootless;  // runc's --rootless: accepted, decided by the uid
  app.add_option("--root", g.root, "Where containers' state is kept (default /run/ringfence)");
  app.add_option("--log", g.log.path, "Where errors are also written (the engine shows them)");
  app.add_option("--log-format", log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.log.debug, "Log more");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "cgroupsPath is systemd's slice:prefix:name");
  app.add_option("--rootless", rootless, "Accepted for runc compatibility; ringfence decides by its uid");
  app.add_option("--policy", g.policy,
                 "The site policy floor that bounds every bundle (default /etc/ringfence/policy.toml when it exists; "
                 "docs/oci.md)");
  app.add_option("--audit-log", g.audit_log, "Where containers' events go (default: as `ringfence run`)");

  OciCreateOptions create;
  auto add_create_options = [&](CLI::App* c) {
    c->add_option("-b,--bundle", create.bundle, "The bundle directory (default: the current one)");
    c->add_option("--pid-file", create.pid_file, "Where the container's pid is written");
    c->add_option("--console-socket", create.console_socket, "A unix socket that receives the pty's master");
    c->add_flag("--no-pivot", create.no_pivot, "Accepted; ringfence always pivots");
    c->add_flag("--no-new-keyring", create.no_new_keyring, "Accepted; the session keyring is kept");
    c->add_option("--preserve-fds", create.preserve_fds, "Pass descriptors 3..3+N-1 to the process");
    c->add_option("id", create.id, "The container's id")->required();
  };
  auto* c_create = app.add_subcommand("create", "Create a container: every step up to its exec");
  add_create_options(c_create);
  auto* c_run = app.add_subcommand("run", "Create and start a container, and wait for it");
  add_create_options(c_run);
  c_run->add_flag("-d,--detach", create.detach, "Do not wait");

  std::string id, signal, format = "table";
  bool all = false, force = false, quiet = false;
  std::vector<std::string> extra;
  auto* c_start = app.add_subcommand("start", "Start a created container's program");
  c_start->add_option("id", id)->required();
  auto* c_state = app.add_subcommand("state", "Print a container's state (runtime-spec JSON)");
  c_state->add_option("id", id)->required();
  auto* c_kill = app.add_subcommand("kill", "Send a signal to a container's process (default TERM)");
  c_kill->add_flag("-a,--all", all, "To every process in the container");
  c_kill->add_option("id", id)->required();
  c_kill->add_option("signal", signal);
  auto* c_delete = app.add_subcommand("delete", "Remove a container");
  c_delete->add_flag("-f,--force", force, "Kill it first if it runs");
  c_delete->add_option("id", id)->required();
  auto* c_list = app.add_subcommand("list", "List containers");
  c_list->add_option("-f,--format", format)->check(CLI::IsMember({"table", "json"}));
  c_list->add_flag("-q,--quiet", quiet, "Only ids");
  auto* c_ps = app.add_subcommand("ps", "The processes of a container");
  c_ps->add_option("-f,--format", format)->check(CLI::IsMember({"table", "json"}));
  c_ps->add_option("id", id)->required();
  c_ps->add_option("ps-args", extra);
  auto* c_pause = app.add_subcommand("pause", "Freeze a container's processes");
  c_pause->add_option("id", id)->required();
  auto* c_resume = app.add_subcommand("resume", "Thaw a paused container");
  c_resume->add_option("id", id)->required();
  OciUpdateOptions update;
  auto* c_update = app.add_subcommand("update", "Change a container's resource limits");
  c_update->add_option("-r,--resources", update.resources, "runtime-spec LinuxResources JSON (FILE, or - for stdin)");
  c_update->add_option("--memory", update.memory, "Memory limit in bytes");
  c_update->add_option("--memory-swap", update.memory_swap, "Memory plus swap limit in bytes");
  c_update->add_option("--pids-limit", update.pids_limit, "Maximum number of processes");
  c_update->add_option("--cpu-quota", update.cpu_quota, "CPU CFS quota (µs)");
  c_update->add_option("--cpu-period", update.cpu_period, "CPU CFS period (µs)");
  c_update->add_option("--cpu-share", update.cpu_shares, "CPU shares");
  c_update->add_option("--cpuset-cpus", update.cpuset_cpus, "CPUs");
  c_update->add_option("--cpuset-mems", update.cpuset_mems, "Memory nodes");
  c_update->add_option("--blkio-weight", update.blkio_weight, "Block I/O weight (10-1000)");
  c_update->add_option("id", id)->required();
  OciExecOptions exec;
  auto* c_exec = app.add_subcommand("exec", "Run another process in a container, under its policy");
  c_exec->add_option("-p,--process", exec.process_file, "runtime-spec process JSON");
  c_exec->add_flag("-d,--detach", exec.detach, "Do not wait");
  c_exec->add_option("--pid-file", exec.pid_file, "Where its pid is written");
  c_exec->add_flag("-t,--tty", exec.tty, "A terminal (with --console-socket)");
  c_exec->add_option("--console-socket", exec.console_socket, "A unix socket that receives the pty's master");
  c_exec->add_option("--cwd", exec.cwd, "Working directory");
  c_exec->add_option("-e,--env", exec.env, "KEY=VALUE");
  c_exec->add_option("-u,--user", exec.user, "UID[:GID]");
  c_exec->add_option("-c,--cap", exec.caps, "Capabilities (only ones the container has)");
  c_exec->add_flag("--no-new-privs", exec.no_new_privs, "Set no_new_privs (the container's policy may already)");
  c_exec->add_option("--process-label", exec.process_label, "Ignored: the container's label");
  c_exec->add_option("--apparmor", exec.apparmor, "Ignored: the container's profile");
  c_exec->add_option("--preserve-fds", exec.preserve_fds, "Pass descriptors 3..3+N-1");
  c_exec->add_option("id", exec.id)->required();
  c_exec->add_option("args", exec.args);
  c_exec->positionals_at_end();
  auto* c_features = app.add_subcommand("features", "What this runtime supports (runtime-spec features JSON)");
  std::string spec_bundle = ".";
  bool spec_rootless = false;
  auto* c_spec = app.add_subcommand("spec", "Write a config.json made from the default profile");
  c_spec->add_option("-b,--bundle", spec_bundle);
  c_spec->add_flag("--rootless", spec_rootless);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    std::fputs(oci_version_text().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 1;
  }
  g.log.json = log_format == "json";
  if (c_create->parsed()) return oci_create(g, create);
  if (c_run->parsed()) return oci_run(g, create);
  if (c_start->parsed()) return oci_start(g, id);
  if (c_state->parsed()) return oci_state(g, id);
  if (c_kill->parsed()) return oci_kill(g, id, signal, all);
  if (c_delete->parsed()) return oci_delete(g, id, force);
  if (c_list->parsed()) return oci_list(g, format, quiet);
  if (c_ps->parsed()) return oci_ps(g, id, format, extra);
  if (c_pause->parsed()) return oci_pause(g, id, true);
  if (c_resume->parsed()) return oci_pause(g, id, false);
  if (c_update->parsed()) return oci_update(g, id, update);
  if (c_exec->parsed()) return oci_exec(g, exec);
  if (c_features->parsed()) return oci_features();
  if (c_spec->parsed()) return oci_spec(spec_bundle, spec_rootless);
  return 1;
}

}  // namespace ringfence::cli
