#include "ringfence/runtime/exec.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include "ringfence/enforcer/pidfd.h"
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

#include "exec_helper.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/runtime/state.h"
#include "ringfence/runtime/sync.h"
#include "run_context.h"
#include "steps.h"
#include "supervisor.h"

namespace ringfence::runtime {
namespace {

using enforcer::Fd;
using enforcer::Status;

constexpr int kRuntimeError = 125;

int fail(const std::string& what) {
  std::fprintf(stderr, "ringfence: %s\n", what.c_str());
  return kRuntimeError;
}

// The namespaces of `pid` that differ from ours, as setns flags.
int namespaces_to_join(pid_t pid) {
  struct Kind {
    const char* name;
    int flag;
  };
  static constexpr Kind kinds[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},   {"pid", CLONE_NEWPID},
                                   {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},  {"net", CLONE_NEWNET},
                                   {"cgroup", CLONE_NEWCGROUP}};
  int flags = 0;
  for (const auto& k : kinds) {
    struct stat theirs {}, ours {};
    if (stat(fmt::format("/proc/{}/ns/{}", pid, k.name).c_str(), &theirs) != 0) continue;
    if (stat(fmt::format("/proc/self/ns/{}", k.name).c_str(), &ours) != 0) continue;
    if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) flags |= k.flag;
  }
  return flags;
}

}  // namespace

bool step_applies_to_exec(const std::string& s) {
  static const char* const kSteps[] = {
      "seccomp.compile",      "apparmor.check",      "selinux.check",       "landlock.check",
      "process.rlimits",      "process.oom-score-adj",
      "process.dumpable-off", "apparmor.exec-label", "selinux.exec-label",  "process.new-session",
      "process.close-fds",
      "process.cwd",          "caps.bounding",       "user.groups",         "user.ids",
      "caps.sets",            "caps.ambient",        "process.no-new-privileges", "landlock.restrict",
      "seccomp.load",         "process.exec"};
  for (const char* k : kSteps)
    if (s == k) return true;
  return false;
}

int exec_in_sandbox(const std::string& state_root, const std::string& name, const std::vector<std::string>& argv) {
  // As run's supervisor: nothing in the sandbox may reach this process
  // through /proc before it joins the sandbox (docs/security.md).
  if (Status s = enforcer::set_not_dumpable(); !s) return fail(s.message);
  Status st;
  auto state = read_state(state_root, name, st);
  if (!state) return fail(st.message);
  if (!same_process(state->pid, state->pid_start_time)) return fail(fmt::format("sandbox '{}' is not running", name));
  Fd init(enforcer::pidfd_open_process(state->pid));
  if (!init.valid() || !same_process(state->pid, state->pid_start_time))
    return fail(fmt::format("sandbox '{}' is not running", name));

  // The policy is recompiled from what `run` was given and must be the one
  // the sandbox runs under: nothing is read back from inside the sandbox.
  policy::Diagnostics flag_diags;
  std::vector<policy::Layer> extra;
  if (auto layer = policy::layer_from_flags(state->flags, flag_diags)) extra.push_back(std::move(*layer));
  policy::CompileOptions copts;
  copts.rootfs = state->rootfs;
  auto compiled = policy::compile(state->profile_refs, std::move(extra), copts);
  if (!compiled.ok()) {
    std::fputs(compiled.diags.format().c_str(), stderr);
    return fail("the sandbox's profile no longer compiles");
  }
  const policy::Plan& plan = *compiled.plan;
  if (policy::plan_sha256(plan) != state->plan_sha256)
    return fail(fmt::format("the profile of '{}' changed since it started (plan {} now, {} then); refusing to exec "
                            "under a different policy",
                            name, policy::plan_sha256(plan).substr(0, 12), state->plan_sha256.substr(0, 12)));

  LaunchOptions options;
  options.name = name;
  options.state_root = state_root;
  options.argv = argv;
  options.rootfs = state->rootfs;
  RunContext ctx(plan, options);
  ctx.warn = [](const std::string& step, const std::string& text) {
    std::fprintf(stderr, "ringfence: warning: step '%s': %s\n", step.c_str(), text.c_str());
  };
  for (const auto& step : plan.steps) {
    if (step.phase != policy::Phase::ParentBeforeClone || !step_applies_to_exec(step.name)) continue;
    if (Status s = run_step(step, ctx); !s) return fail(fmt::format("step '{}' failed: {}", step.name, s.message));
  }
  // The limits run gives its sandbox from the parent (rlimits, OOM score)
  // are set here on this process, still in the host's user namespace, and
  // the program inherits them through the fork.
  ctx.child = getpid();
  for (const auto& step : plan.steps) {
    if (step.phase != policy::Phase::ParentAfterClone || !step_applies_to_exec(step.name)) continue;
    if (Status s = run_step(step, ctx); !s) return fail(fmt::format("step '{}' failed: {}", step.name, s.message));
  }
  ctx.child = -1;

  // Into the sandbox's cgroup while the host's cgroup tree is still in view.
  const auto cgroup = enforcer::open_cgroup(enforcer::detect_cgroup_layout(), name);
  if (Status s = enforcer::attach_to_cgroup(cgroup, getpid()); !s) return fail("join the cgroup: " + s.message);
  const int join = namespaces_to_join(state->pid);
  // As in run: no supplementary group of ours may follow into a user
  // namespace that cannot drop it.
  if ((join & CLONE_NEWUSER) && geteuid() == 0 && setgroups(0, nullptr) != 0)
    return fail(fmt::format("drop supplementary groups: {}", std::strerror(errno)));
  if (join != 0 && setns(init.get(), join) != 0)
    return fail(fmt::format("join the namespaces of '{}': {}", name, std::strerror(errno)));

  ctx.exec_helper = make_exec_helper(st);
  if (!ctx.exec_helper.valid()) return fail(st.message);
  auto pair = make_sync_pair(st);
  if (!pair) return fail(st.message);
  const sigset_t mask = block_forwarded_signals();
  std::fflush(nullptr);
  const pid_t child = fork();  // in the sandbox's pid namespace
  if (child < 0) return fail(fmt::format("fork: {}", std::strerror(errno)));
  if (child == 0) {
    pair->parent.reset();
    ctx.sync_fd = pair->child.get();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    sigprocmask(SIG_SETMASK, &mask, nullptr);
    for (const auto& step : plan.steps) {
      if (step.phase == policy::Phase::ParentBeforeClone || step.phase == policy::Phase::ParentAfterClone ||
          !step_applies_to_exec(step.name))
        continue;
      if (ctx.skipped.count(step.name)) continue;
      if (step.name == "process.exec") prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
      Status s = run_step(step, ctx);
      if (!s) {
        Message m;
        m.kind = MessageKind::StepFailed;
        m.step = step.name;
        m.err = s.err;
        m.text = s.message;
        (void)send_message(ctx.sync_fd, m);
        _exit(kRuntimeError);
      }
      if (step.name == "seccomp.load" && ctx.filter && ctx.filter->uses_notify) {
        Status rs;
        if (!receive_message(ctx.sync_fd, rs)) _exit(kRuntimeError);
      }
    }
    _exit(kRuntimeError);
  }
  pair->child.reset();
  Supervisor supervisor(plan, child);
  if (Status s = supervisor.prepare(); !s) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return fail(s.message);
  }
  std::optional<Message> failure;
  while (true) {
    Status rs;
    auto m = receive_message(pair->parent.get(), rs);
    if (!m) break;
    if (m->kind == MessageKind::StepFailed) failure = m;
    if (m->kind == MessageKind::Listener) {
      supervisor.set_listener(Fd(m->fd));
      Message ack;
      ack.kind = MessageKind::Go;
      (void)send_message(pair->parent.get(), ack);
    }
  }
  if (failure) {
    waitpid(child, nullptr, 0);
    std::fprintf(stderr, "ringfence: step '%s' failed: %s\n", failure->step.c_str(), failure->text.c_str());
    if (failure->step == "process.exec") return failure->err == ENOENT ? 127 : 126;
    return kRuntimeError;
  }
  return supervisor.run();
}

}  // namespace ringfence::runtime
