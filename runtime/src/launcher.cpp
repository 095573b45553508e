// The life of one sandbox, in the order of its plan's phases: the parent's
// steps, the clone, the steps after the clone, the child's steps (child.cpp),
// and the supervisor until the program ends; then the cleanup.
#include "ringfence/runtime/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>

#include "child.h"
#include "ringfence/audit/log.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/runtime/subids.h"
#include "exec_helper.h"
#include "init.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/runtime/state.h"
#include "ringfence/runtime/sync.h"
#include "steps.h"
#include "supervisor.h"

namespace ringfence::runtime {
namespace {

using enforcer::Fd;
using enforcer::Status;

constexpr int kRuntimeError = 125;
constexpr int kCannotExecute = 126;
constexpr int kNotFound = 127;

int clone_flags(const policy::NamespacesParams& ns) {
  int flags = 0;
  if (ns.user) flags |= CLONE_NEWUSER;
  if (ns.mount) flags |= CLONE_NEWNS;
  if (ns.pid) flags |= CLONE_NEWPID;
  if (ns.ipc) flags |= CLONE_NEWIPC;
  if (ns.uts) flags |= CLONE_NEWUTS;
  if (ns.net) flags |= CLONE_NEWNET;
  if (ns.cgroup) flags |= CLONE_NEWCGROUP;
  return flags;
}

// The exit code when a step failed: Docker's 126/127 when the program could
// not be executed or found, 125 for everything else.
int failure_code(const std::string& step, int err) {
  if (step != "process.exec") return kRuntimeError;
  if (err == ENOENT) return kNotFound;
  if (err == EACCES || err == ENOEXEC || err == EISDIR || err == EPERM || err == ETXTBSY) return kCannotExecute;
  return kRuntimeError;
}

// A step-failed report the child already sent, without waiting for one.
std::optional<Message> pending_failure(int sync) {
  while (true) {
    pollfd p{sync, POLLIN, 0};
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) return std::nullopt;
    Status st;
    auto m = receive_message(sync, st);
    if (!m) return std::nullopt;
    if (m->kind == MessageKind::StepFailed) return m;
  }
}

class Launch {
 public:
  Launch(const policy::Plan& plan, const LaunchOptions& options, int report_fd)
      : plan_(plan), options_(options), report_fd_(report_fd), ctx_(plan, options) {
    if (!options_.audit_log.empty()) log_.emplace(options_.audit_log, options_.audit_fsync);
  }

  int run();

 private:
  void say(const std::string& line) {
    std::fprintf(stderr, "ringfence: %s\n", line.c_str());
    if (report_fd_ >= 0) {
      const std::string l = line + "\n";
      (void)!write(report_fd_, l.data(), l.size());
    }
  }
  int fail(const std::string& step, const Status& st) {
    say(fmt::format("step '{}' failed: {}", step, st.message));
    const int code = failure_code(step, st.err);
    record({{"event", "step.failed"}, {"step", step}, {"errno", st.err}, {"message", st.message},
            {"exit_status", code}});
    return code;
  }
  // Appends an event to the audit log (when there is one).
  // Lifecycle records are written at once (and fsync'd); the supervisor's
  // violation records share the same writer, so they stay in order.
  Status record(nlohmann::json event) {
    if (!log_) return {};
    event["sandbox"] = options_.name;
    log_->add(std::move(event));
    Status st = log_->flush();
    if (!st) std::fprintf(stderr, "ringfence: warning: audit log: %s\n", st.message.c_str());
    return st;
  }
  Status prepare_state();
  int start();  // up to the running program; returns -1 when it runs
  void cleanup();
  void ready();

  const policy::Plan& plan_;
  const LaunchOptions& options_;
  int report_fd_;
  RunContext ctx_;
  SandboxState state_;
  bool state_created_ = false;
  std::optional<audit::LogWriter> log_;
  std::optional<Supervisor> supervisor_;
  sigset_t child_mask_{};
};

Status Launch::prepare_state() {
  if (Status st = create_state_dir(options_.state_root, options_.name); !st) return st;
  state_created_ = true;
  char resolved[PATH_MAX];
  const std::string dir = state_dir(options_.state_root, options_.name);
  ctx_.state_dir = realpath(dir.c_str(), resolved) ? resolved : dir;
  ctx_.staging = dir + "/root";
  if (mkdir(ctx_.staging.c_str(), 0755) != 0) return Status::from_errno("create " + ctx_.staging);

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
  return write_state(options_.state_root, state_);
}

void Launch::cleanup() {
  if (ctx_.cgroup) {
    if (Status st = enforcer::destroy_cgroup(*ctx_.cgroup); !st) say("cleanup: " + st.message);
  }
  if (!state_created_) return;
  if (options_.auto_remove || state_.status == "creating") {
    release_id_blocks(ctx_.state_dir);
    (void)remove_state_dir(options_.state_root, options_.name);
  } else {
    state_.status = "stopped";
    (void)write_state(options_.state_root, state_);
  }
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
  if (Status st = prepare_state(); !st) {
    say(st.message);
    return kRuntimeError;
  }
  // The first record comes before anything is set up: a sandbox that cannot
  // be audited does not start.
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
    return kRuntimeError;
  }
  if (plan_.privileged) {
    say("warning: this sandbox is privileged: every capability and device, no seccomp, no masked paths");
    record({{"event", "sandbox.privileged"}, {"profile", plan_.profile_name}});
  }
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) ctx_.hide_paths.emplace_back(self, static_cast<std::size_t>(n));
  ctx_.hide_paths.push_back(options_.state_root);
  // On the host's root, its secrets: the sandbox's root has CAP_DAC_OVERRIDE
  // and would read them through the read-only bind.
  for (const char* secret : {"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/ssh", "/root"})
    ctx_.hide_paths.emplace_back(secret);

  std::string failed;
  if (Status st = run_phase(policy::Phase::ParentBeforeClone, ctx_, failed); !st) return fail(failed, st);

  // What the child execs last (exec_helper.h): made here, once, so that the
  // child only inherits it.
  if (Status st = {}; !(ctx_.exec_helper = make_exec_helper(st)).valid()) return fail("process.exec", st);

  const policy::Step* ns_step = plan_.find("namespaces.create");
  if (ns_step == nullptr) return fail("namespaces.create", Status::failure("the plan has no namespaces.create", EINVAL));
  if (fault_injected("namespaces.create"))
    return fail("namespaces.create", Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO));
  const auto& ns = ns_step->get<policy::NamespacesParams>();
  ctx_.in_user_namespace = ns.user;

  Status st;
  // A new user namespace keeps the supplementary groups its creator has and,
  // with setgroups denied, can never drop them: they would still open files
  // of those groups. Root drops them here, before the clone.
  if (ns.user && geteuid() == 0 && setgroups(0, nullptr) != 0)
    return fail("namespaces.create", Status::from_errno("drop supplementary groups"));
  auto pair = make_sync_pair(st);
  if (!pair) return fail("namespaces.create", st);
  child_mask_ = block_forwarded_signals();
  std::fflush(nullptr);
  // A raw clone returns twice, like fork, with every namespace created at
  // once (the user namespace first, by the kernel's own order).
  int flags = clone_flags(ns);
  // A cgroup namespace is rooted at its creator's cgroup. On cgroup v1 the
  // child is moved into its own cgroup only after the clone (cgroup.attach),
  // so it makes its cgroup namespace itself once it is there; made here, it
  // would be rooted at ringfence's cgroup and show the tree above the
  // sandbox.
  ctx_.cgroup_ns_after_attach = ns.cgroup && ctx_.cgroup && ctx_.cgroup->version == 1;
  if (ctx_.cgroup_ns_after_attach) flags &= ~CLONE_NEWCGROUP;
  const long pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return fail("namespaces.create", Status::from_errno("clone"));
  if (pid == 0) {
    pair->parent.reset();
    run_child(ctx_, pair->child.release(), child_mask_);  // never returns
  }
  pair->child.reset();
  // The child has its copies of the detached trees; ours would only keep
  // them alive.
  ctx_.sources = {};
  ctx_.child = static_cast<pid_t>(pid);
  const int sync = pair->parent.get();
  auto abandon = [&](const std::string& step, const Status& why) {
    kill(ctx_.child, SIGKILL);
    waitpid(ctx_.child, nullptr, 0);
    return fail(step, why);
  };

  if (Status s = run_phase(policy::Phase::ParentAfterClone, ctx_, failed); !s) return abandon(failed, s);
  // Without root the supervisor becomes non-dumpable only now: its clone
  // inherits dumpability, and a non-dumpable child's /proc files are root's,
  // so the maps just written could not have been. Nothing of the sandbox
  // has run yet: the child waits for the go below.
  if (Status s = enforcer::set_not_dumpable(); !s) return abandon("namespaces.create", s);
  supervisor_.emplace(plan_, ctx_.child, SupervisorAudit{log_ ? &*log_ : nullptr, options_.name, options_.learned});
  if (ctx_.cgroup) supervisor_->watch_cgroup(*ctx_.cgroup);
  if (fault_injected("supervise"))
    return abandon("supervise", Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO));
  if (Status s = supervisor_->prepare(); !s) return abandon("supervise", s);

  Message go;
  go.kind = MessageKind::Go;
  if (Status s = send_message(sync, go); !s) return abandon("namespaces.create", s);

  // Steps the parent takes while the child builds its root; the child waits
  // for the second go before it drops privileges.
  if (has_phase(plan_, policy::Phase::ParentWhileChild)) {
    if (Status s = run_phase(policy::Phase::ParentWhileChild, ctx_, failed); !s) {
      // The child may have failed first (a step of the parent can fail
      // because of it): its report is the one that explains.
      if (auto child_failure = pending_failure(sync)) {
        kill(ctx_.child, SIGKILL);
        waitpid(ctx_.child, nullptr, 0);
        return fail(child_failure->step, Status{child_failure->err, child_failure->text});
      }
      return abandon(failed, s);
    }
    (void)send_message(sync, go);
  }

  // Until the child's end closes: at its exec, or when it dies.
  std::optional<Message> failure;
  bool exec_started = false;
  while (true) {
    // A SIGTERM or Ctrl-C while the sandbox is being set up stops the start:
    // there is no program yet to pass it to.
    pollfd fds[2] = {{sync, POLLIN, 0}, {supervisor_->signal_fd(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (!(fds[0].revents & (POLLIN | POLLHUP)) && (fds[1].revents & POLLIN)) {
      if (const int sig = supervisor_->take_pending_signal(); sig != 0) {
        kill(ctx_.child, SIGKILL);
        waitpid(ctx_.child, nullptr, 0);
        say(fmt::format("interrupted by signal {} while setting up the sandbox", sig));
        return 128 + sig;
      }
      continue;
    }
    Status rs;
    auto m = receive_message(sync, rs);
    if (!m) break;
    switch (m->kind) {
      case MessageKind::StepFailed: failure = m; break;
      case MessageKind::Warning: ctx_.warn(m->step, m->text); break;
      case MessageKind::Listener: {
        supervisor_->set_listener(Fd(m->fd));
        Message ack;
        ack.kind = MessageKind::Go;
        (void)send_message(sync, ack);
        break;
      }
      case MessageKind::Exec: exec_started = true; break;
      default: break;
    }
  }
  if (failure) {
    waitpid(ctx_.child, nullptr, 0);
    return fail(failure->step, Status{failure->err, failure->text});
  }
  if (!exec_started) {
    int status = 0;
    waitpid(ctx_.child, &status, 0);
    return fail("process.exec", Status::failure(fmt::format("the sandbox's process died during set-up ({})",
                                                            WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                                                : fmt::format("exit {}", WEXITSTATUS(status))),
                                                EIO));
  }
  state_.status = "running";
  state_.pid = ctx_.child;
  state_.pid_start_time = process_start_time(ctx_.child);
  state_.skipped_steps.assign(ctx_.skipped.begin(), ctx_.skipped.end());
  state_.applied_steps.clear();
  for (const auto& step : plan_.steps)
    if (!ctx_.skipped.count(step.name)) state_.applied_steps.push_back(step.name);
  (void)write_state(options_.state_root, state_);
  record({{"event", "sandbox.start"},
          {"profile", plan_.profile_name},
          {"plan_sha256", state_.plan_sha256},
          {"pid", ctx_.child}});
  return -1;
}

int Launch::run() {
  const int code = start();
  if (code >= 0) {
    cleanup();
    return code;
  }
  // From here on the supervisor only watches, forwards and cleans up; it
  // drops what it no longer needs before it reports the start.
  if (geteuid() == 0)
    if (Status st = enforcer::keep_only_kill_capability(); !st) say("warning: " + st.message);
  ready();
  const int exit_code = supervisor_->run();
  state_.exit_status = exit_code;
  record({{"event", "sandbox.stop"},
          {"profile", plan_.profile_name},
          {"plan_sha256", state_.plan_sha256},
          {"exit_status", exit_code}});
  cleanup();
  return exit_code;
}

// --detach: the supervisor must outlive this command. It runs in a child
// that leaves the terminal's session; the command waits for its report on
// a pipe ("started NAME" or the failure) and exits with it.
int run_detached(const policy::Plan& plan, const LaunchOptions& options) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    std::perror("ringfence: pipe");
    return kRuntimeError;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("ringfence: fork");
    return kRuntimeError;
  }
  if (pid == 0) {
    close(report[0]);
    setsid();
    // The program's output goes to the sandbox's log; nothing is left
    // attached to the terminal.
    Fd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    dup2(null.get(), 0);
    // Made before the state directory exists: next to it, and removed with
    // it. Never through a symlink: a sandbox that cannot have its log does
    // not start.
    Status log_status;
    Fd out = open_sandbox_log(options.state_root, options.name, log_status);
    if (!out.valid()) {
      const std::string why = log_status.message + "\n";
      (void)!write(report[1], why.data(), why.size());
      _exit(kRuntimeError);
    }
    dup2(out.get(), 1);
    dup2(out.get(), 2);
    Launch launch(plan, options, report[1]);
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
  return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : kRuntimeError;
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
      return kRuntimeError;
    }
  }
  // What a detached supervisor learns stays in its own process.
  if (options.detach && options.learned) {
    std::fprintf(stderr, "ringfence: learn mode cannot detach\n");
    return kRuntimeError;
  }
  if (options.detach) return run_detached(plan, options);
  Launch launch(plan, options, -1);
  return launch.run();
}

}  // namespace ringfence::runtime
