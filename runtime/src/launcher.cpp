// The life of one sandbox, in the order of its plan's phases: the parent's
// steps, the clone, the steps after the clone, the child's steps (child.cpp),
// and the supervisor until the program ends; then the cleanup.
#include "ringfence/runtime/launcher.h"
#include "ringfence/base/fault.h"

#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

#include "ringfence/audit/log.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/lsm.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/runtime/subids.h"
#include "caller_stdio.h"
#include "kill_point.h"
#include "launcher_core.h"
#include "output_log.h"
#include "handover.h"
#include "sandbox_end.h"
#include "seccomp_listener.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/base/paths.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/runtime/start_timings.h"
#include "ringfence/runtime/state.h"
#include "ringfence/runtime/sync.h"

namespace ringfence::runtime {
namespace {

// strerror's text as Go's syscall package writes it: in lower case.
std::string go_errno_text(int err) {
  std::string text = strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// One `run`: the state on disk and the audit log's lifecycle records around
// the launcher core (launcher_core.h), which starts the sandbox.
class Launch {
 public:
  Launch(const policy::Plan& plan, const LaunchOptions& options, int report_fd)
      : plan_(plan),
        options_(options),
        report_fd_(report_fd),
        ctx_(plan, options),
        stdio_(StdioRequest{options.tty && !options.oci, options.stdin_open || options.oci}) {
    if (!options_.audit_log.empty()) log_.emplace(options_.audit_log, options_.audit_fsync);
    core_.emplace(ctx_, SupervisorAudit{log_ ? &*log_ : nullptr, options_.name, options_.learned});
  }

  int run();
  // --detach: the program's output goes through `output` (output_log.h).
  void pump_output(OutputLog* output) { output_ = output; }

 private:
  void say(const std::string& line) {
    if (options_.oci && options_.oci->report) return options_.oci->report(line);
    std::fprintf(stderr, "ringfence: %s\n", line.c_str());
    if (report_fd_ >= 0) {
      const std::string l = line + "\n";
      (void)!write(report_fd_, l.data(), l.size());
    }
  }
  int fail(const StartFailure& f) {
    const std::string step(policy::step_name(f.step));
    // A signal that stopped the start is no step's failure.
    if (f.status.err == EINTR) say(f.status.message);
    else if (options_.oci && f.step == policy::StepKind::ProcessExec && f.status.err != 0)
      // Engines choose their exit status from the runtime's words, in Go's
      // spelling: Docker answers 127 for "no such file or directory" and
      // 126 for "permission denied".
      say(fmt::format("step '{}' failed: {} (exec: {})", step, f.status.message, go_errno_text(f.status.err)));
    else say(fmt::format("step '{}' failed: {}", step, f.status.message));
    record({{"event", "step.failed"}, {"step", step}, {"errno", f.status.err}, {"message", f.status.message},
            {"exit_status", f.exit_code}});
    return f.exit_code;
  }
  // Appends an event to the audit log (when there is one).
  // Lifecycle records are written at once (and fsync'd); the supervisor's
  // violation records share the same writer, so they stay in order.
  Status record(nlohmann::json event) {
    Status st = append_record(log_ ? &*log_ : nullptr, options_.name, std::move(event));
    if (!st && !log_error_) log_error_ = st;
    return st;
  }
  // A lifecycle record that could not be written before the program was
  // released: the sandbox is stopped before it runs on unaudited.
  int stop_unaudited(const Status& why);
  Status prepare_state();
  Status prepare_oci();
  int start();  // up to the running program; returns -1 when it runs
  int created();  // an OCI create, after the start
  int abandon_create(const std::string& step, const Status& why);
  void cleanup();
  // `run --timings`: a stretch that began at `began` ends now.
  void note(const char* what, StartTimings::Clock::time_point began, const char* where = "parent") {
    if (options_.timings) options_.timings->add(what, where, began);
  }
  void print_timings();
  void ready();

  const policy::Plan& plan_;
  const LaunchOptions& options_;
  int report_fd_;
  OutputLog* output_ = nullptr;
  RunContext ctx_;
  SandboxState state_;
  bool state_created_ = false;
  std::optional<audit::LogWriter> log_;
  std::optional<Status> log_error_;  // the first lifecycle record that could not be written
  std::optional<LauncherCore> core_;
  CallerStdio stdio_;
};

Status Launch::prepare_state() {
  if (Status st = create_state_dir(options_.state_root, options_.name); !st) return st;
  state_created_ = true;
  const std::string dir = state_dir(options_.state_root, options_.name);
  ctx_.state_dir = canonical_or_same(dir);
  ctx_.staging = dir + "/root";
  if (mkdir(ctx_.staging.c_str(), 0755) != 0) return Status::from_errno("create " + ctx_.staging);
  kill_point(kKillStateDir);

  state_.id = options_.name;
  state_.status = "creating";
  state_.supervisor_pid = getpid();
  state_.supervisor_start_time = process_start_time(getpid());
  state_.profile = plan_.profile_name;
  state_.profile_refs = options_.profile_refs;
  state_.flags = options_.flags;
  state_.rootfs = options_.rootfs;
  state_.plan_sha256 = policy::plan_sha256(plan_);
  state_.started = now_rfc3339();
  state_.command = options_.argv;
  state_.detached = options_.detach;
  state_.auto_remove = options_.auto_remove;
  state_.audit_log = options_.audit_log;
  state_.audit_fsync_record = options_.audit_fsync == audit::FsyncPolicy::Record;
  state_.cgroup_path = options_.cgroup_path;
  if (options_.oci) {
    state_.oci = true;
    state_.bundle = options_.oci->bundle;
    state_.annotations = options_.oci->annotations;
    state_.hooks = options_.oci->hooks;
  }
  return write_state(options_.state_root, state_);
}

// The start FIFO (launcher.h, OciLaunch) in the state directory, and what
// the child needs of the engine's request.
Status Launch::prepare_oci() {
  const OciLaunch& oci = *options_.oci;
  const std::string fifo = ctx_.state_dir + "/" + kStartFifo;
  if (mkfifo(fifo.c_str(), 0600) != 0) return Status::from_errno("create " + fifo);
  // Read-write: the open never blocks, and ringfence-exec's read waits for
  // the byte `start` writes; `start` finds no reader once the process died.
  ctx_.start_fifo.reset(open(fifo.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (!ctx_.start_fifo.valid()) return Status::from_errno("open " + fifo);
  ctx_.console_socket = oci.console_socket;
  ctx_.console_size = oci.console_size;
  ctx_.preserve_fds = oci.preserve_fds;
  return {};
}

void Launch::cleanup() {
  const bool remove = options_.auto_remove || state_.status == "creating";
  clean_up(options_.state_root, ctx_.state_dir, state_created_ ? &state_ : nullptr, remove, ctx_.cgroup,
           [this](const std::string& line) { say(line); });
}

void Launch::ready() {
  if (report_fd_ >= 0) {
    const std::string ok = "started " + options_.name + "\n";
    (void)!write(report_fd_, ok.data(), ok.size());
    close(report_fd_);
    report_fd_ = -1;
  }
}

int Launch::start() {
  ctx_.warn = [this](const std::string& step, const std::string& text) {
    say(fmt::format("warning: step '{}': {}", step, text));
    record({{"event", "feature.skipped"}, {"step", step}, {"message", text}});
  };
  auto began = StartTimings::mark(options_.timings);
  if (Status st = prepare_state(); !st) {
    say(st.message);
    return kExitRuntimeError;
  }
  note("state directory", began);
  if (options_.oci)
    if (Status st = prepare_oci(); !st) {
      say(st.message);
      return kExitRuntimeError;
    }
  // The first record comes before anything is set up: a sandbox that cannot
  // be audited does not start.
  began = StartTimings::mark(options_.timings);
  if (Status st = record({{"event", "sandbox.create"},
                          {"profile", plan_.profile_name},
                          {"profiles", options_.profile_refs},
                          {"plan_sha256", state_.plan_sha256},
                          {"privileged", plan_.privileged},
                          {"rootfs", options_.rootfs.empty() ? "host /" : options_.rootfs},
                          {"command", options_.argv},
                          {"supervisor_pid", getpid()},
                          {"uid", getuid()}});
      !st) {
    say("the audit log cannot be written, so the sandbox does not start: " + st.message);
    return kExitRuntimeError;
  }
  note("audit: sandbox.create", began);
  if (const auto* volumes = plan_.params<policy::StepKind::MountVolumes>(); volumes && !options_.quiet) {
    // Said once, not per volume: :z and :Z are Docker habits, harmless here.
    // Asked only when one is marked, so that libselinux stays unloaded
    // otherwise; without the library, mount.sources fails the start.
    const bool relabel = std::any_of(volumes->mounts.begin(), volumes->mounts.end(),
                                     [](const auto& m) { return !m.relabel.empty(); });
    if (relabel && !enforcer::selinux_enabled().value_or(true))
      say("note: SELinux is not enabled on this host, so volumes marked :z or :Z are not relabelled");
  }
  if (plan_.privileged) {
    say("warning: this sandbox is privileged: every capability and device, no seccomp, no masked paths");
    if (Status st = record({{"event", "sandbox.privileged"}, {"profile", plan_.profile_name}}); !st) {
      say("the audit log cannot be written, so the sandbox does not start: " + st.message);
      return kExitRuntimeError;
    }
  }
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) ctx_.own_paths.push_back({std::string(self, static_cast<std::size_t>(n)), true});
  ctx_.own_paths.push_back({canonical_or_same(options_.state_root), true});
  // The log holds every sandbox's commands: no sandbox reads it, nor its
  // sealing key beside it (docs/audit.md, "Where").
  if (!options_.audit_log.empty()) {
    const auto slash = options_.audit_log.rfind('/');
    if (slash != std::string::npos && slash > 0)
      ctx_.own_paths.push_back({canonical_or_same(options_.audit_log.substr(0, slash)), false});
  }
  for (const auto& own : ctx_.own_paths) ctx_.hide_paths.push_back(own.path);
  // On the host's root, its secrets: the sandbox's root has CAP_DAC_OVERRIDE
  // and would read them through the read-only bind.
  for (const char* secret : {"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/ssh", "/root"})
    ctx_.hide_paths.emplace_back(secret);

  // The child's pid is in the state from the clone on (run_context.h).
  ctx_.cloned = [this] {
    const auto began = StartTimings::mark(options_.timings);
    state_.pid = ctx_.child;
    state_.pid_start_time = process_start_time(ctx_.child);
    (void)write_state(options_.state_root, state_);
    note("state: the child's pid", began);
  };
  if (Status st = stdio_.prepare(ctx_); !st) {
    say(st.message);
    return kExitRuntimeError;
  }
  if (auto f = core_->prepare()) return fail(*f);
  if (auto f = core_->start()) return fail(*f);
  if (Status st = stdio_.attach(); !st) {
    core_->kill_child();
    say(st.message);
    return kExitRuntimeError;
  }
  began = StartTimings::mark(options_.timings);
  state_.status = options_.oci ? "created" : "running";
  state_.pid = ctx_.child;
  state_.pid_start_time = process_start_time(ctx_.child);
  state_.skipped_steps.clear();
  for (const auto kind : ctx_.skipped) state_.skipped_steps.emplace_back(policy::step_name(kind));
  state_.applied_steps.clear();
  for (const auto& step : plan_.steps)
    if (ctx_.applies(step.kind())) state_.applied_steps.emplace_back(step.name());
  (void)write_state(options_.state_root, state_);
  if (options_.oci) return -1;  // its start is `start`'s record
  const Status started = record({{"event", "sandbox.start"},
                                 {"profile", plan_.profile_name},
                                 {"plan_sha256", state_.plan_sha256},
                                 {"pid", ctx_.child}});
  // A warning's record (feature.skipped) during the start counts as much.
  if (!started || log_error_) return stop_unaudited(started ? *log_error_ : started);
  note("state and audit: sandbox.start", began);
  kill_point(kKillRunning);
  return -1;
}

int Launch::stop_unaudited(const Status& why) {
  core_->kill_child();
  say("the audit log cannot be written, so the sandbox was stopped (SIGKILL) as soon as it started: " +
      why.message);
  state_.exit_status = kExitRuntimeError;
  return kExitRuntimeError;
}

// A create that fails after the start: the process is killed and nothing
// of it is left.
int Launch::abandon_create(const std::string& step, const Status& why) {
  core_->kill_child();
  say(why.message);
  record({{"event", "step.failed"}, {"step", step}, {"message", why.message}, {"exit_status", 1}});
  state_.status = "creating";  // so that cleanup removes it all
  cleanup();
  return 1;
}

int Launch::created() {
  const OciLaunch& oci = *options_.oci;
  // The hooks that run once the process exists (runtime spec: prestart,
  // createRuntime, createContainer); the state says "created" to them.
  if (oci.created)
    if (Status st = oci.created(ctx_.child); !st) return abandon_create("hooks", st);
  // linux.seccomp.listenerPath: the engine's agent answers the filter's
  // notifications, so ringfence keeps no monitor for them.
  if (!oci.listener_path.empty()) {
    Fd listener = core_->take_listener();
    const Status sent =
        listener.valid()
            ? send_seccomp_listener(oci.listener_path, listener.get(), ctx_.child, oci.listener_metadata,
                                    oci_state_json(state_, "creating"))
            : Status::failure("linux.seccomp.listenerPath is set, but no rule sends calls to a listener "
                              "(SCMP_ACT_NOTIFY)",
                              EINVAL);
    if (!sent) return abandon_create("seccomp.listener", sent);
  }
  nlohmann::json created = {{"event", "container.created"},   {"profile", plan_.profile_name},
                            {"plan_sha256", state_.plan_sha256}, {"pid", ctx_.child},
                            {"bundle", state_.bundle},           {"annotations", state_.annotations}};
  if (!oci.listener_path.empty()) created["seccomp_listener"] = oci.listener_path;
  // A container whose creation is not in the log is not left to run.
  if (Status st = record(std::move(created)); !st)
    return abandon_create("audit", Status::failure("the audit log cannot be written: " + st.message, st.err));
  // Nothing of ringfence stays resident, unless the filter sends calls to
  // user space and no agent takes them (listenerPath), or its refusals are
  // recorded (the site policy's seccomp.audit): then a monitor answers or
  // reads and records them while the engine's shim owns the process.
  if (!core_->needs_monitor()) {
    core_->let_go();
    return 0;
  }
  std::vector<int> keep;
  if (log_ && log_->fd() >= 0) keep.push_back(log_->fd());
  auto monitor = core_->monitor(
      keep, {{"event", "sandbox.stop"}, {"profile", plan_.profile_name}, {"plan_sha256", state_.plan_sha256}});
  if (!monitor) return abandon_create("supervise", monitor.status());
  state_.monitor_pid = *monitor;
  state_.monitor_start_time = process_start_time(*monitor);
  (void)write_state(options_.state_root, state_);
  return 0;
}

int Launch::run() {
  const int code = start();
  if (code >= 0) {
    cleanup();
    print_timings();
    return code;
  }
  if (options_.oci) return created();
  // From here on the supervisor only watches, forwards and cleans up; it
  // drops what it no longer needs before it reports the start.
  auto began = StartTimings::mark(options_.timings);
  // A detached sandbox's supervisor becomes the small one (handover.h): a
  // sandbox that runs for days keeps its loop resident, not all of
  // ringfence. Not with --timings, whose table this process prints at the
  // end.
  Fd small;
  if (options_.detach && !options_.learned && !stdio_.relay() && !options_.timings)
    if (auto program = open_small_supervisor()) small = std::move(*program);
  int restore_rgid = -1;
  if (geteuid() == 0) {
    if (small.valid()) {
      if (const auto apart = set_real_gid_apart()) restore_rgid = *apart;
      else small.reset();
    }
    if (Status st = enforcer::keep_only_kill_capability(); !st) say("warning: " + st.message);
  }
  // The program holds the output pipe now; this process writes to the file
  // itself, so that the pipe ends with the program.
  if (output_)
    if (Status st = output_->take_back_stdio(); !st) say("warning: " + st.message);
  if (small.valid()) {
    Handover handover;
    handover.end = Handover::End::Run;
    handover.sandbox = options_.name;
    handover.audit_log = options_.audit_log;
    handover.audit_fsync_record = options_.audit_fsync == audit::FsyncPolicy::Record;
    handover.state_root = options_.state_root;
    handover.state_dir = ctx_.state_dir;
    handover.state = state_;
    handover.remove = options_.auto_remove;
    handover.quiet = options_.quiet;
    handover.child = ctx_.child;
    handover.cgroup = ctx_.cgroup;
    handover.restore_rgid = restore_rgid;
    // The small supervisor says "started" once it is set up.
    handover.report = report_fd_;
    const Status st = exec_small_supervisor(small, std::move(handover), *core_->supervisor(), output_);
    // Still here: the exec failed, and this process supervises instead.
    say("warning: " + st.message + "; ringfence itself supervises the sandbox");
  }
  // The compile's and the start's freed memory goes back to the system
  // before the supervisor settles in for the program's lifetime (a
  // detached one for days).
  malloc_trim(0);
  ready();
  note("supervisor: capabilities dropped, ready", began);
  began = StartTimings::mark(options_.timings);
  int exit_code = core_->supervise(stdio_.relay(), output_);
  note("the program, until it ended", began, "sandbox");
  began = StartTimings::mark(options_.timings);
  exit_code = record_stop(*core_->supervisor(), exit_code, state_, options_.quiet,
                          [this](nlohmann::json event) { return record(std::move(event)); },
                          [this](const std::string& line) { say(line); });
  note("audit: sandbox.stop", began);
  state_.exit_status = exit_code;
  began = StartTimings::mark(options_.timings);
  cleanup();
  note("cleanup: cgroups, state", began);
  print_timings();
  return exit_code;
}

void Launch::print_timings() {
  if (options_.timings) std::fputs(options_.timings->table().c_str(), stderr);
}

// --detach: the supervisor must outlive this command. It runs in a child
// that leaves the terminal's session; the command waits for its report on
// a pipe ("started NAME" or the failure) and exits with it.
int run_detached(const policy::Plan& plan, const LaunchOptions& options) {
  int report[2];
  if (fault::call("pipe2", [&] { return pipe2(report, O_CLOEXEC); }) != 0) {
    std::fprintf(stderr, "ringfence: make the pipe for the detached supervisor's report: %s\n", std::strerror(errno));
    return kExitRuntimeError;
  }
  const pid_t pid = fault::call("fork", [] { return fork(); });
  if (pid < 0) {
    std::fprintf(stderr, "ringfence: fork the detached supervisor: %s\n", std::strerror(errno));
    close(report[0]);
    close(report[1]);
    return kExitRuntimeError;
  }
  if (pid == 0) {
    close(report[0]);
    setsid();
    // The program's output goes to the sandbox's bounded log through a
    // pipe the supervisor drains; nothing is left attached to the terminal.
    Fd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    dup2(null.get(), 0);
    // Made before the state directory exists: next to it, and removed with
    // it. Never through a symlink: a sandbox that cannot have its log does
    // not start.
    auto out = OutputLog::open(options.state_root, options.name);
    Status given = out ? out->give_stdio() : out.status();
    if (!given) {
      const std::string why = given.message + "\n";
      (void)!write(report[1], why.data(), why.size());
      _exit(kExitRuntimeError);
    }
    Launch launch(plan, options, report[1]);
    launch.pump_output(&*out);
    _exit(launch.run());
  }
  close(report[1]);
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = read(report[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(report[0]);
  // Warnings (a privileged sandbox, a skipped optional feature) may come
  // before the report that it started: they are printed, and it started.
  const std::string started = "started " + options.name + "\n";
  if (text.size() >= started.size() && text.compare(text.size() - started.size(), started.size(), started) == 0) {
    const std::string before = text.substr(0, text.size() - started.size());
    for (std::size_t start = 0; start < before.size();) {
      const auto end = before.find('\n', start);
      std::fprintf(stderr, "ringfence: %s\n", before.substr(start, end - start).c_str());
      if (end == std::string::npos) break;
      start = end + 1;
    }
    std::printf("%s\n", options.name.c_str());
    return 0;
  }
  // The supervisor failed before the program ran: what it said is the error.
  std::fputs(text.empty() ? "ringfence: the supervisor exited before starting the sandbox\n" : "", stderr);
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    std::fprintf(stderr, "ringfence: %s\n", text.substr(start, end - start).c_str());
    if (end == std::string::npos) break;
    start = end + 1;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : kExitRuntimeError;
}

}  // namespace

int run_sandbox(const policy::Plan& plan, const LaunchOptions& options) {
  // Before anything of the sandbox exists: a non-dumpable process's /proc
  // entries (root, exe, fd, mem) are root's alone and need CAP_SYS_PTRACE
  // in the initial user namespace, so no sandboxed process — even one
  // sharing the host's PID namespace — can reach the host's filesystem
  // through /proc/SUPERVISOR/root. The clone inherits it; so does the
  // detached supervisor. (Without root, see Launch::start.)
  if (geteuid() == 0) {
    if (Status st = enforcer::set_not_dumpable(); !st) {
      std::fprintf(stderr, "ringfence: %s\n", st.message.c_str());
      return kExitRuntimeError;
    }
  }
  // What a detached supervisor learns stays in its own process.
  if (options.detach && options.learned) {
    std::fprintf(stderr, "ringfence: learn mode cannot detach\n");
    return kExitRuntimeError;
  }
  if (options.detach) return run_detached(plan, options);
  Launch launch(plan, options, -1);
  return launch.run();
}

}  // namespace ringfence::runtime
