#include "launcher_core.h"
#include "ringfence/base/fault.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

#include "audit_session.h"
#include "child.h"
#include "exec_helper.h"
#include "kill_point.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/policy/namespace_kinds.h"
#include "ringfence/runtime/sync.h"
#include "steps.h"

namespace ringfence::runtime {
namespace {

using policy::Phase;
using policy::StepKind;

Status injected() { return Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO); }

// clone3 with the child born in the cgroup `cgroup_fd` (cgroup v2), else
// clone; `flags` are CLONE_* flags without a signal. Returns twice, like
// fork; sets `into_cgroup` when the child was born in the cgroup.
long clone_process(std::uint64_t flags, int cgroup_fd, bool& into_cgroup) {
  into_cgroup = false;
  if (cgroup_fd >= 0) {
    clone_args args{};
    args.flags = flags | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
    const long pid = fault::call("clone3", [&] { return syscall(SYS_clone3, &args, sizeof args); });
    if (pid >= 0) {
      into_cgroup = true;
      return pid;
    }
    // A kernel before 5.7 knows no CLONE_INTO_CGROUP: the parent moves the
    // child (cgroup.attach), as on cgroup v1.
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) return pid;
  }
  return fault::call("clone", [&] { return syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr); });
}

// A report the child already sent, without waiting for one.
std::optional<Message> pending_failure(int sync) {
  while (true) {
    pollfd p{sync, POLLIN, 0};
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) return std::nullopt;
    auto m = receive_message(sync).value_or(std::nullopt);
    if (!m) return std::nullopt;
    if (m->kind == MessageKind::StepFailed) return m;
  }
}

// A clone or fork that failed: the call and its errno, and for the errno
// the kernel gives under pressure, which limit was reached.
Status not_created(const std::string& call) {
  const int err = errno;
  Status st = Status::from_errno(err, call);
  if (err == EAGAIN)
    st.message += " (a limit on processes was reached: RLIMIT_NPROC of ringfence's user, or pids.max of its cgroup)";
  return st;
}

StepKind kind_named(const std::string& name) { return policy::step_kind(name).value_or(StepKind::NamespacesCreate); }

[[noreturn]] void intermediate_fails(int sync, const Status& why) {
  Message m;
  m.kind = MessageKind::StepFailed;
  m.step = std::string(policy::step_name(StepKind::NamespacesJoin));
  m.err = why.err;
  m.text = why.message;
  (void)send_message(sync, m);
  _exit(kExitRuntimeError);
}

}  // namespace

StartFailure start_failure(StepKind step, Status status) {
  int code = kExitRuntimeError;
  if (step == StepKind::ProcessExec) {
    const int err = status.err;
    if (err == ENOENT) code = kExitNotFound;
    else if (err == EACCES || err == ENOEXEC || err == EISDIR || err == EPERM || err == ETXTBSY)
      code = kExitCannotExecute;
  }
  return {step, std::move(status), code};
}

std::optional<StartFailure> LauncherCore::prepare() {
  auto failure = prepare_parent();
  if (failure) release_after_failure();
  return failure;
}

std::optional<StartFailure> LauncherCore::start() {
  auto failure = start_child();
  if (failure) release_after_failure();
  return failure;
}

void LauncherCore::note(const char* what, StartTimings::Clock::time_point began, const char* where) {
  if (ctx_.options.timings) ctx_.options.timings->add(what, where, began);
}

// What a failed start holds for the sandbox it did not make: the mount
// trees, the namespaces to join, ringfence-exec's memfd, the sync channel,
// the supervisor's signalfd and kernel audit socket. Closed at once, not
// when the launch ends: with RLIMIT_NOFILE nearly reached they are what
// the step.failed record (the log, its sealing key) and the removal of the
// state directory need.
void LauncherCore::release_after_failure() {
  supervisor_.reset();
  denial_reader_.reset();
  sync_.reset();
  ctx_.sources = {};
  ctx_.joins.clear();
  ctx_.exec_helper.reset();
  ctx_.start_fifo.reset();
  ctx_.stdin_null.reset();
  ctx_.staging_dir.reset();
  ctx_.cgroup_tasks.clear();
}

std::optional<StartFailure> LauncherCore::prepare_parent() {
  StepKind failed{};
  if (Status st = run_phase(Phase::ParentBeforeClone, ctx_, failed); !st) return start_failure(failed, st);
  // What the child execs last (exec_helper.h): made here, once, so that the
  // child only inherits it.
  const auto began = StartTimings::mark(ctx_.options.timings);
  auto helper = make_exec_helper();
  note("ringfence-exec memfd", began);
  if (!helper) return start_failure(StepKind::ProcessExec, helper.status());
  ctx_.exec_helper = std::move(*helper);
  return std::nullopt;
}

std::optional<StartFailure> LauncherCore::abandon(StepKind step, Status why) {
  child_.kill_and_reap();
  return start_failure(step, std::move(why));
}

std::optional<StartFailure> LauncherCore::watch_denials() {
  const auto* filter = ctx_.plan.params<StepKind::SeccompCompile>();
  // `seccomp.audit = false` turns the recording of every layer off.
  if (!filter || !filter->audit || !ctx_.applies(StepKind::SeccompLoad)) return std::nullopt;
  auto warn = [&](const std::string& text) {
    if (ctx_.warn) ctx_.warn("seccomp.load", text);
  };
  // Recording the site policy forced is not skipped with a warning: the
  // sandbox does not start without it.
  auto cannot_record = [&](const std::string& why) -> std::optional<StartFailure> {
    if (filter->audit_required)
      return start_failure(StepKind::SeccompLoad,
                           Status::failure("the site policy requires refused calls to be recorded (seccomp.audit), "
                                           "and they cannot be: " + why,
                                           EPERM));
    warn("refused calls are not recorded in the audit log: " + why);
    return std::nullopt;
  };
  // No log at all (a launch its caller gave none; `run` and `ringfence-oci`
  // always give one): nothing to record into, and nothing to warn of, unless
  // the site policy requires the records.
  if (!audit_.log) return filter->audit_required ? cannot_record("there is no audit log") : std::nullopt;
  auto reader = KernelAuditReader::open();
  if (!reader) return cannot_record(reader.status().message);
  if (auto session = begin_audit_session()) denial_source_.session = *session;
  // Landlock logs its denials only while the kernel's audit is enabled;
  // seccomp's are made either way.
  if (ctx_.plan.params<StepKind::LandlockRestrict>() && ctx_.applies(StepKind::LandlockRestrict))
    if (auto status = kernel_audit_status(); status && !status->enabled)
      warn("Landlock's refusals are not recorded: the kernel's audit is disabled (`auditctl -e 1` enables it)");
  denial_reader_.emplace(std::move(*reader));
  ctx_.log_denials = true;
  return std::nullopt;
}

// The clone, directly or through the intermediate; sets ctx_.child.
std::optional<StartFailure> LauncherCore::clone_child() {
  const auto* ns = ctx_.plan.params<StepKind::NamespacesCreate>();
  if (ns == nullptr) return start_failure(StepKind::NamespacesCreate, Status::failure("the plan has no namespaces.create", EINVAL));
  if (fault_injected(StepKind::NamespacesCreate)) return start_failure(StepKind::NamespacesCreate, injected());
  // exec creates nothing: it joins what the running sandbox has.
  std::uint64_t flags = ctx_.mode == LaunchMode::Sandbox ? policy::clone_flags_of(*ns) : 0;
  ctx_.in_user_namespace = ns->user;

  // A new user namespace keeps the supplementary groups its creator has and,
  // with setgroups denied, can never drop them: they would still open files
  // of those groups. Root drops them here, before the clone.
  if ((ns->user || !ctx_.joins.empty()) && geteuid() == 0 && setgroups(0, nullptr) != 0)
    return start_failure(StepKind::NamespacesCreate, Status::from_errno("drop supplementary groups"));

  // A cgroup namespace is rooted at its creator's cgroup. Where the child
  // cannot be born in its cgroup (cgroup v1), it is moved after the clone
  // (cgroup.attach) and makes its cgroup namespace itself once it is there;
  // made by the clone, it would be rooted at ringfence's cgroup and show the
  // tree above the sandbox.
  Fd cgroup_dir;
  if (ctx_.mode == LaunchMode::Sandbox && ctx_.cgroup && ctx_.cgroup->version == 2)
    cgroup_dir.reset(open(ctx_.cgroup->dirs.front().second.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ctx_.cgroup_ns_after_attach = (flags & CLONE_NEWCGROUP) && ctx_.cgroup && ctx_.cgroup->version == 1;
  if (ctx_.cgroup_ns_after_attach) flags &= ~static_cast<std::uint64_t>(CLONE_NEWCGROUP);
  // On cgroup v1 the child moves itself, sparing the start the grace period
  // the parent's move of it would wait for (enforcer/cgroup.h).
  if (ctx_.cgroup && ctx_.cgroup->version == 1 && ctx_.plan.has(StepKind::CgroupAttach) &&
      ctx_.applies(StepKind::CgroupAttach)) {
    auto tasks = enforcer::open_cgroup_tasks(*ctx_.cgroup);
    if (!tasks) return start_failure(StepKind::CgroupAttach, tasks.status());
    ctx_.cgroup_tasks = std::move(*tasks);
    ctx_.child_moves_itself = true;
  }

  if (auto failed = watch_denials()) return failed;
  auto pair = make_sync_pair();
  if (!pair) return start_failure(StepKind::NamespacesCreate, pair.status());
  child_mask_ = block_forwarded_signals();
  std::fflush(nullptr);

  if (ctx_.joins.empty()) {
    bool into_cgroup = false;
    // Returns twice, like fork, with every namespace created at once (the
    // user namespace first, by the kernel's own order).
    const auto began = StartTimings::mark(ctx_.options.timings);
    const long pid = clone_process(flags, cgroup_dir.get(), into_cgroup);
    if (pid < 0) return start_failure(StepKind::NamespacesCreate, not_created("clone"));
    if (pid == 0) {
      pair->parent.reset();
      run_child(ctx_, pair->child.release(), child_mask_);  // never returns
    }
    note("namespaces.create: clone", began);
    child_ = ChildProcess(static_cast<pid_t>(pid));
    ctx_.born_in_cgroup = into_cgroup;
  } else {
    // The intermediate: it joins the namespaces, clones the sandbox's
    // process as a child of ours (CLONE_PARENT), reports its pid and ends.
    const pid_t intermediate = fault::call("fork", [] { return fork(); });
    if (intermediate < 0) return start_failure(StepKind::NamespacesJoin, not_created("fork"));
    if (intermediate == 0) {
      pair->parent.reset();
      const int sync = pair->child.get();
      for (const auto& [fd, type] : ctx_.joins)
        if (setns(fd.get(), type) != 0) intermediate_fails(sync, Status::from_errno("join the namespaces"));
      bool into_cgroup = false;
      const long pid = clone_process(flags | CLONE_PARENT, cgroup_dir.get(), into_cgroup);
      if (pid < 0) intermediate_fails(sync, not_created("clone"));
      if (pid == 0) run_child(ctx_, pair->child.release(), child_mask_);  // never returns
      Message m;
      m.kind = MessageKind::Pid;
      m.number = static_cast<int>(pid);
      m.err = into_cgroup ? 1 : 0;
      _exit(send_message(sync, m) ? 0 : kExitRuntimeError);
    }
    ChildProcess middle(intermediate);
    pair->child.reset();  // so that the intermediate's death reads as end-of-file
    auto m = receive_message(pair->parent.get()).value_or(std::nullopt);
    middle.wait();
    if (!m || m->kind != MessageKind::Pid) {
      const Status why = m && m->kind == MessageKind::StepFailed ? Status{m->err, m->text}
                                                                 : Status::failure("the intermediate process died", EIO);
      return start_failure(m && m->kind == MessageKind::StepFailed ? kind_named(m->step) : StepKind::NamespacesJoin, why);
    }
    child_ = ChildProcess(static_cast<pid_t>(m->number));
    ctx_.born_in_cgroup = m->err == 1;
  }
  pair->child.reset();
  sync_ = std::move(pair->parent);
  ctx_.child = child_.pid();
  // The child has its copies of the detached trees and joined namespaces;
  // ours would only keep them alive.
  ctx_.sources = {};
  ctx_.joins.clear();
  ctx_.cgroup_tasks.clear();
  return std::nullopt;
}

std::optional<StartFailure> LauncherCore::start_child() {
  kill_point(kKillBeforeClone);
  if (auto failure = clone_child()) return failure;
  // With steps of the parent's while the child builds its root, the state
  // is written among them: the child cannot reach its exec before the
  // second go, which follows them, and it dies with ringfence until then
  // (PR_SET_PDEATHSIG). The write (1.4 ms of a 27 ms start,
  // docs/performance.md) then overlaps the child's work instead of
  // delaying the first go.
  const bool while_child = has_phase(ctx_, Phase::ParentWhileChild);
  if (ctx_.cloned && !while_child) ctx_.cloned();
  kill_point(kKillAfterClone);
  const int sync = sync_.get();
  StepKind failed{};
  if (Status s = run_phase(Phase::ParentAfterClone, ctx_, failed); !s) return abandon(failed, s);
  // Without root the supervisor becomes non-dumpable only now: its clone
  // inherited dumpability, and a non-dumpable child's /proc files are
  // root's, so the maps just written could not have been. Nothing of the
  // sandbox has run yet: the child waits for the go below.
  if (Status s = enforcer::set_not_dumpable(); !s) return abandon(StepKind::NamespacesCreate, s);
  const auto supervisor_began = StartTimings::mark(ctx_.options.timings);
  supervisor_.emplace(SupervisorRules::of(ctx_.plan), ctx_.child, audit_);
  // The cgroup is the sandbox's: its own supervisor (or monitor, or
  // `ringfence-oci delete`) records its OOM kills and pids hits. An exec's
  // would record each one a second time.
  if (ctx_.cgroup && ctx_.mode == LaunchMode::Sandbox) supervisor_->watch_cgroup(*ctx_.cgroup);
  if (fault_injected(StepKind::Supervise)) return abandon(StepKind::Supervise, injected());
  if (Status s = supervisor_->prepare(); !s) return abandon(StepKind::Supervise, s);
  note("supervisor set-up", supervisor_began);
  if (denial_reader_) {
    denial_source_.init = ctx_.child;
    supervisor_->watch_denials(std::move(*denial_reader_), std::move(denial_source_));
    denial_reader_.reset();
  }

  Message go;
  go.kind = MessageKind::Go;
  if (Status s = send_message(sync, go); !s) return abandon(StepKind::NamespacesCreate, s);
  kill_point(kKillChildSteps);
  // Steps the parent takes while the child builds its root; the child waits
  // for the second go before it drops privileges.
  if (while_child) {
    if (Status s = run_phase(Phase::ParentWhileChild, ctx_, failed); !s) {
      // The child may have failed first (a step of the parent can fail
      // because of it): its report is the one that explains.
      if (auto child_failure = pending_failure(sync))
        return abandon(kind_named(child_failure->step), Status{child_failure->err, child_failure->text});
      return abandon(failed, s);
    }
    if (ctx_.cloned) ctx_.cloned();
    (void)send_message(sync, go);
  }
  return until_exec(sync);
}

std::optional<StartFailure> LauncherCore::until_exec(int sync) {
  // Until the child's end closes: at its exec, or when it dies.
  std::optional<Message> failure;
  bool exec_started = false;
  StartTimings::Clock::time_point exec_began;
  while (true) {
    // A SIGTERM or Ctrl-C while the sandbox is being set up stops the start:
    // there is no program yet to pass it to.
    pollfd fds[2] = {{sync, POLLIN, 0}, {supervisor_->signal_fd(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (!(fds[0].revents & (POLLIN | POLLHUP)) && (fds[1].revents & POLLIN)) {
      if (const int sig = supervisor_->take_pending_signal(); sig != 0) {
        auto f = abandon(StepKind::NamespacesCreate,
                         Status::failure(fmt::format("interrupted by signal {} while setting up the sandbox", sig), EINTR));
        f->exit_code = 128 + sig;
        return f;
      }
      continue;
    }
    auto m = receive_message(sync).value_or(std::nullopt);
    if (!m) break;
    switch (m->kind) {
      case MessageKind::StepFailed: failure = m; break;
      case MessageKind::Warning:
        if (ctx_.warn) ctx_.warn(m->step, m->text);
        break;
      case MessageKind::Listener: {
        supervisor_->set_listener(Fd(m->fd));
        Message ack;
        ack.kind = MessageKind::Go;
        (void)send_message(sync, ack);
        break;
      }
      case MessageKind::Exec:
        exec_started = true;
        exec_began = StartTimings::mark(ctx_.options.timings);
        if (ctx_.options.timings && !ctx_.options.timings->add_child(m->text, ctx_.plan))
          ctx_.options.timings->add("(the child's timings could not be read)", "child", exec_began, exec_began);
        break;
      default: break;
    }
  }
  if (failure) {
    child_.wait();
    return start_failure(kind_named(failure->step), Status{failure->err, failure->text});
  }
  if (!exec_started) {
    const int status = child_.wait();
    return start_failure(StepKind::ProcessExec,
                         Status::failure(fmt::format("the sandbox's process died during set-up ({})",
                                                     WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                                         : fmt::format("exit {}", WEXITSTATUS(status))),
                                         EIO));
  }
  // The sync channel closes at the program's exec (ringfence-exec's, for an
  // init or an OCI create that waits for `start`).
  note("process.exec: ringfence-exec, then the program", exec_began, "child");
  kill_point(kKillAfterExec);
  return std::nullopt;
}

void LauncherCore::let_go() {
  child_.release();
  sync_.reset();
}

int LauncherCore::supervise(TerminalRelay* relay, OutputLog* output) {
  // The supervisor waits for the child from here on.
  child_.release();
  sync_.reset();
  supervisor_->relay_terminal(relay);
  supervisor_->pump_output(output);
  return supervisor_->run();
}

}  // namespace ringfence::runtime
