// ringfence-oci create / run: a bundle's config.json compiled into the same
// Plan as a TOML profile (policy/oci_config.h) and started by the one
// launcher (runtime/launcher.h, OciLaunch), which stops the container's
// process just before its exec until `start`.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/core.h>

#include "oci_hooks.h"
#include "oci_sysctl.h"
#include "oci_verbs.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/base/fd.h"
#include "ringfence/policy/oci_config.h"
#include "ringfence/runtime/launcher.h"
#include "ringfence/runtime/oci_cgroup.h"
#include "ringfence/runtime/state.h"
#include "run_defaults.h"
#include "sandbox_ref.h"
#include "site_floor.h"

namespace ringfence::cli {
// The engine's console socket, connected before anything is created: a
// path that is not a listening unix socket is the engine's error.
Result<Fd> connect_console_socket(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::from_errno("--console-socket " + path);
  if (!S_ISSOCK(st.st_mode)) return Status::failure(fmt::format("--console-socket {} is not a socket", path), ENOTSOCK);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Status::failure(fmt::format("--console-socket {}: path too long", path), ENAMETOOLONG);
  path.copy(addr.sun_path, path.size());
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Status::from_errno("connect to --console-socket " + path);
  return fd;
}

namespace {

// The pid file's directory must exist before anything is made: runc's
// behaviour, and a create must not half-succeed.
Status check_pid_file(const std::string& path) {
  if (path.empty()) return {};
  const std::string dir = std::filesystem::path(path).parent_path().string();
  struct stat st {};
  if (!dir.empty() && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    return Status::failure(fmt::format("--pid-file {}: directory {} does not exist", path, dir), ENOENT);
  return {};
}

}  // namespace

// Written whole or not at all (engines read it as soon as create returns).
Status write_pid_file(const std::string& path, pid_t pid) {
  if (path.empty()) return {};
  const std::string tmp = path + ".tmp";
  Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::from_errno("create " + tmp);
  const std::string text = std::to_string(pid);
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Status::from_errno("write " + tmp);
  if (rename(tmp.c_str(), path.c_str()) != 0) return Status::from_errno("rename " + tmp);
  return {};
}

std::optional<std::string> oci_state_root(const OciGlobals& g) {
  if (!g.root.empty()) {
    // The engine names its own directory (/run/containerd/runc/NS, podman's
    // runroot): made if missing, as runc does, for root alone.
    std::error_code ec;
    std::filesystem::create_directories(g.root, ec);
    if (ec) {
      g.log.error(fmt::format("--root {}: {}", g.root, ec.message()));
      return std::nullopt;
    }
    if (geteuid() == 0) (void)chmod(g.root.c_str(), 0700);
  }
  GlobalOptions global;
  global.state_root = g.root;
  return state_root(global);
}

// Every decision of the floor: to the engine's log (a refusal is the
// error create fails with) and to the audit log, before anything runs. A
// decision that cannot be recorded stops the create, as a sandbox that
// cannot be audited does not start (launcher.cpp).
static Status record_floor(const OciGlobals& g, const std::string& audit_log, const std::string& id,
                           const std::string& bundle, const std::map<std::string, std::string>& annotations,
                           const std::vector<policy::FloorDecision>& decisions) {
  if (decisions.empty()) return {};
  audit::LogWriter log(audit_log, audit::FsyncPolicy::Record);
  for (const auto& d : decisions) {
    if (!d.refused) g.log.warn(policy::clamp_message(d));
    auto event = floor_record(d);
    event["sandbox"] = id;
    event["bundle"] = bundle;
    if (!annotations.empty()) event["annotations"] = annotations;
    log.add(event);
  }
  return log.flush();
}

// Create's work, with the container's pid on success; `keep_child` leaves
// the process as this process's child (run waits for it).
int create_container(const OciGlobals& g, const OciCreateOptions& o, pid_t* pid_out) {
  auto fail = [&](const std::string& why) {
    g.log.error(why);
    return 1;
  };
  if (!runtime::is_valid_name(o.id)) return fail(runtime::check_name(o.id).message);
  if (Status st = check_pid_file(o.pid_file); !st) return fail(st.message);
  const auto root = oci_state_root(g);
  if (!root) return 1;
  if (runtime::read_state(*root, o.id)) return fail(fmt::format("container '{}' already exists", o.id));
  policy::Diagnostics diags;
  std::error_code ec;
  std::string bundle_dir = std::filesystem::absolute(o.bundle, ec).lexically_normal().string();
  // "." is "/dir/": the state, the logs and every JSON path say "/dir".
  while (bundle_dir.size() > 1 && bundle_dir.back() == '/') bundle_dir.pop_back();
  auto bundle = policy::read_oci_bundle(bundle_dir, diags);
  if (!bundle || diags.has_errors()) return fail("the bundle cannot be used:\n" + diags.format());
  auto floor = load_floor(g.policy);
  if (!floor) return fail(floor.status().message);
  // Known before anything is judged: a refusal is recorded too.
  std::string audit_log = g.audit_log;
  if (audit_log.empty()) {
    auto found = default_audit_log();
    if (!found) return fail(found.status().message);
    audit_log = *found;
  }
  policy::CompileOptions copts;
  copts.rootfs = bundle->root;
  copts.rootless = geteuid() != 0;
  std::vector<policy::FloorDecision> decisions;
  auto compiled = policy::compile_oci(*bundle, copts, floor->has_value() ? &**floor : nullptr, decisions);
  if (Status st = record_floor(g, audit_log, o.id, bundle_dir, bundle->annotations, decisions); !st)
    return fail("the site policy's decisions cannot be written to the audit log, so the container does not start: " +
                st.message);
  if (policy::any_refused(decisions))
    return fail("the site policy refuses this container:\n" + compiled.diags.format());
  if (!compiled.ok()) return fail("config.json does not compile into a plan:\n" + compiled.diags.format());
  for (const auto* d : {&diags, &compiled.diags})
    for (const auto& w : d->all())
      if (w.severity == policy::Severity::Warning) g.log.warn(w.format());
  const policy::Plan& plan = *compiled.plan;
  if (!bundle->seccomp_listener.empty()) {
    const auto* sup = plan.params<policy::StepKind::Supervise>();
    if (!sup || !sup->seccomp_notify)
      return fail("linux.seccomp.listenerPath is " + bundle->seccomp_listener +
                  ", but no rule sends calls to a listener (SCMP_ACT_NOTIFY)");
    if (bundle->seccomp_listener.front() != '/')
      return fail("linux.seccomp.listenerPath must be an absolute path, not " + bundle->seccomp_listener);
  }

  auto cgroup = runtime::oci_cgroup_path(bundle->cgroups_path, g.systemd_cgroup, o.id);
  if (!cgroup) return fail(cgroup.status().message);

  Fd console;
  if (bundle->terminal) {
    if (o.console_socket.empty()) return fail("process.terminal is true, but no --console-socket was given");
    auto c = connect_console_socket(o.console_socket);
    if (!c) return fail(c.status().message);
    console = std::move(*c);
  } else if (!o.console_socket.empty()) {
    return fail("--console-socket was given, but process.terminal is false");
  }

  runtime::OciLaunch oci;
  oci.bundle = bundle_dir;
  oci.annotations = bundle->annotations;
  oci.hooks = bundle->hooks;
  oci.listener_path = bundle->seccomp_listener;
  oci.listener_metadata = bundle->seccomp_listener_metadata;
  oci.console_socket = console.get();
  if (bundle->console_size) oci.console_size = std::make_pair(static_cast<std::uint16_t>(bundle->console_size->first),
                                                             static_cast<std::uint16_t>(bundle->console_size->second));
  oci.preserve_fds = o.preserve_fds;
  oci.report = [&g](const std::string& line) { g.log.error(line); };
  oci.created = [&](pid_t pid) -> Status {
    runtime::SandboxState s;
    s.id = o.id;
    s.oci = true;
    s.pid = pid;
    s.bundle = bundle_dir;
    s.annotations = bundle->annotations;
    const std::string state = runtime::oci_state_json(s, "created");
    if (Status st = run_hooks(bundle->hooks.prestart, "prestart", state); !st) return st;
    if (Status st = run_hooks(bundle->hooks.create_runtime, "createRuntime", state); !st) return st;
    // After createRuntime: a hook there may make the interfaces that
    // net.ipv4.conf.IFACE.* keys name.
    if (Status st = write_sysctls(pid, bundle->sysctl); !st) return st;
    if (Status st = run_hooks(bundle->hooks.create_container, "createContainer", state,
                              HookPlace::ContainerResolvedOutside, pid);
        !st)
      return st;
    if (Status st = write_pid_file(o.pid_file, pid); !st) return st;
    if (pid_out) *pid_out = pid;
    return {};
  };

  runtime::LaunchOptions options;
  options.name = o.id;
  options.state_root = *root;
  options.argv = bundle->args;
  options.rootfs = bundle->root;
  options.audit_log = audit_log;
  options.cgroup_path = *cgroup;
  options.profile_refs = {"oci:" + bundle_dir + "/config.json"};
  options.oci = &oci;
  const int code = runtime::run_sandbox(plan, options);
  return code == 0 ? 0 : 1;
}

int oci_create(const OciGlobals& g, const OciCreateOptions& o) { return create_container(g, o, nullptr); }

// create, start, and (unless --detach) wait for the process, then delete.
int oci_run(const OciGlobals& g, const OciCreateOptions& o) {
  pid_t pid = 0;
  if (int code = create_container(g, o, &pid); code != 0) return code;
  if (int code = oci_start(g, o.id); code != 0) {
    (void)oci_delete(g, o.id, true);
    return code;
  }
  if (o.detach) return 0;
  // The process is this one's child: create let it go here, not to a shim.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  (void)oci_delete(g, o.id, true);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ringfence::cli
