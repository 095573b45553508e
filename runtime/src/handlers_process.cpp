// The child's process steps: labels, descriptors, identity, capabilities,
// no_new_privs, Landlock, seccomp, the init and the exec.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <fmt/core.h>

#include "handlers.h"
#include "exec_helper.h"
#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/identity.h"
#include "ringfence/enforcer/landlock.h"
#include "ringfence/enforcer/lsm.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/enforcer/seccomp_load.h"
#include "ringfence/policy/seccomp_query.h"
#include "ringfence/runtime/exec_abi.h"
#include "ringfence/runtime/sync.h"

namespace ringfence::runtime::handlers {
namespace {


// The identity is resolved once, at the first step that needs it, inside
// the new root.
Status identity(RunContext& ctx, const policy::IdentityParams& params) {
  if (ctx.identity) return {};
  auto id = enforcer::resolve_identity(params);
  if (!id) return id.status();
  ctx.identity = std::move(*id);
  return {};
}

struct ExecTarget {
  std::string path;
  Fd fd;
  bool script = false;
};

// Finds argv[0] the way execvp would, in the sandbox's PATH.
Result<ExecTarget> find_program(const std::string& name, const std::string& path_env) {
  std::vector<std::string> candidates;
  if (name.find('/') != std::string::npos) {
    candidates.push_back(name);
  } else {
    std::stringstream dirs(path_env);
    std::string dir;
    while (std::getline(dirs, dir, ':')) candidates.push_back((dir.empty() ? "." : dir) + "/" + name);
  }
  int first_error = ENOENT;
  for (const auto& c : candidates) {
    struct stat st {};
    if (stat(c.c_str(), &st) != 0) continue;
    if (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, c.c_str(), X_OK, AT_EACCESS) != 0) {
      first_error = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
      continue;
    }
    ExecTarget t;
    t.path = c;
    t.fd.reset(open(c.c_str(), O_PATH | O_CLOEXEC));
    if (!t.fd.valid()) {
      first_error = errno;
      continue;
    }
    // An interpreter opens its script by path: a script is exec'd by path,
    // a binary by the descriptor checked here.
    Fd readable(open(c.c_str(), O_RDONLY | O_CLOEXEC));
    char magic[2] = {};
    t.script = readable.valid() && read(readable.get(), magic, 2) == 2 && magic[0] == '#' && magic[1] == '!';
    return t;
  }
  return Status::from_errno(first_error, name);
}

}  // namespace

Status dumpable_off(RunContext&) { return enforcer::set_not_dumpable(); }

Status userns_enter(RunContext&) {
  if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
    return Status::from_errno("become root of the user namespace");
  return {};
}

Status net_loopback(RunContext&) { return enforcer::bring_up_loopback(); }

Status new_session(RunContext&) { return enforcer::start_new_session(); }

Status uts_hostname(const policy::HostnameParams& params, RunContext&) {
  return enforcer::set_hostname(params);
}

Status namespaces_time(const policy::TimeNamespaceParams& params, RunContext&) {
  return enforcer::make_time_namespace(params);
}

Status apparmor_exec_label(const policy::AppArmorParams& params, RunContext&) {
  return enforcer::apparmor_exec_label(params);
}

Status selinux_exec_label(const policy::SELinuxParams& params, RunContext&) {
  return enforcer::selinux_exec_label(params);
}

Status close_fds(RunContext& ctx) {
  std::vector<int> keep = {ctx.sync_fd, ctx.exec_helper.get()};
  if (ctx.start_fifo.valid()) keep.push_back(ctx.start_fifo.get());
  // The engine's (LISTEN_FDS, --preserve-fds): they reach the program open.
  for (int fd = 3; fd < 3 + ctx.preserve_fds; ++fd) {
    keep.push_back(fd);
    if (fcntl(fd, F_SETFD, 0) != 0 && errno != EBADF) return Status::from_errno("keep a preserved descriptor");
  }
  return enforcer::close_descriptors(keep);
}

Status process_cwd(const policy::CwdParams& params, RunContext&) { return enforcer::enter_cwd(params); }

policy::CapSets effective_caps(const policy::CapSets& sets, const RunContext& ctx) {
  return enforcer::granted_caps(sets, ctx.plan.privileged);
}

Status caps_bounding(const policy::CapSets& sets, RunContext& ctx) {
  return enforcer::apply_bounding(effective_caps(sets, ctx));
}

Status user_groups(const policy::IdentityParams& params, RunContext& ctx) {
  if (Status st = identity(ctx, params); !st) return st;
  const auto* ns = ctx.plan.params<policy::StepKind::UsernsMaps>();
  const bool denied = ns != nullptr && ns->deny_setgroups;
  return enforcer::apply_groups(*ctx.identity, denied);
}

Status user_ids(const policy::IdentityParams& params, RunContext& ctx) {
  if (Status st = identity(ctx, params); !st) return st;
  return enforcer::apply_ids(*ctx.identity);
}

Status caps_sets(const policy::CapSets& sets, RunContext& ctx) {
  return enforcer::apply_cap_sets(effective_caps(sets, ctx), ctx.identity ? ctx.identity->uid : 0);
}

Status caps_ambient(const policy::CapSets& sets, RunContext& ctx) {
  return enforcer::apply_ambient(effective_caps(sets, ctx));
}

Status no_new_privileges(RunContext&) { return enforcer::set_no_new_privs(); }

Status landlock_restrict(const policy::LandlockParams& params, RunContext& ctx) {
  return enforcer::apply_landlock(params, ctx.log_denials);
}

Status seccomp_load(RunContext& ctx) {
  if (!ctx.filter) return Status::failure("the filter was not compiled", EINVAL);
  auto listener = enforcer::load_filter(*ctx.filter, ctx.log_denials);
  if (!listener) return listener.status();
  if (listener->valid()) {
    // The supervisor answers notifications; the sandbox keeps no copy.
    Message m;
    m.kind = MessageKind::Listener;
    if (Status s = send_message(ctx.sync_fd, m, listener->get()); !s) return s;
  }
  return {};
}

// The init is ringfence-exec itself, started by process.exec after every
// restriction: it forks the command and stays as PID 1.
Status process_init(RunContext& ctx) {
  ctx.as_init = true;
  return {};
}

Status process_exec(const policy::ExecParams& params, RunContext& ctx) {
  umask(params.umask);
  std::map<std::string, std::string> env = params.env;
  if (!env.count("HOME")) env["HOME"] = ctx.identity ? ctx.identity->home : "/";
  if (const auto* h = ctx.plan.params<policy::StepKind::UtsHostname>(); h && !env.count("HOSTNAME"))
    env["HOSTNAME"] = h->hostname;
  const auto& argv = ctx.options.argv;
  if (argv.empty()) return Status::failure("no command to run", EINVAL);
  auto target = find_program(argv[0], env.count("PATH") ? env["PATH"] : "");
  if (!target) return target.status();

  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  if (!ctx.exec_helper.valid()) return Status::failure("ringfence-exec was not prepared", EBADF);
  // Both descriptors go through ringfence-exec's exec; it makes them
  // close-on-exec again before the command's.
  if (fcntl(target->fd.get(), F_SETFD, 0) != 0 || fcntl(ctx.sync_fd, F_SETFD, 0) != 0)
    return Status::from_errno("keep the program's descriptor for ringfence-exec");
  const auto* filter = ctx.plan.params<policy::StepKind::SeccompLoad>();
  const bool execveat_allowed = filter == nullptr || policy::seccomp_allows(*filter, "execveat");
  // A script is exec'd by path: its interpreter opens it by name.
  const bool by_fd = !target->script && execveat_allowed;
  // An OCI create: ringfence-exec waits on the start FIFO instead of the
  // sync channel, which closes at its exec and so ends the create.
  if (ctx.start_fifo.valid() && fcntl(ctx.start_fifo.get(), F_SETFD, 0) != 0)
    return Status::from_errno("keep the start FIFO for ringfence-exec");
  if (ctx.start_fifo.valid() && fcntl(ctx.sync_fd, F_SETFD, FD_CLOEXEC) != 0)
    return Status::from_errno("close the sync channel at ringfence-exec's exec");
  const auto helper_args =
      ctx.start_fifo.valid()
          ? exec_helper_start_args(ctx.start_fifo.get(), by_fd ? target->fd.get() : -1, target->path, argv)
          : exec_helper_args(ctx.as_init, ctx.sync_fd, by_fd ? target->fd.get() : -1, target->path, argv);
  std::vector<char*> hargv;
  for (const auto& a : helper_args) hargv.push_back(const_cast<char*>(a.c_str()));
  hargv.push_back(nullptr);

  Message m;
  m.kind = MessageKind::Exec;
  if (ctx.options.timings) m.text = StartTimings::encode_child(ctx.child_timings, sizeof(rf_sync_wire::text) - 1);
  if (Status s = send_message(ctx.sync_fd, m); !s) return s;
  // From here the process is ringfence-exec, from a sealed memfd: the
  // command's exec never runs from the ringfence binary (CVE-2019-5736).
  if (execveat_allowed) {
    execveat(ctx.exec_helper.get(), "", hargv.data(), cenv.data(), AT_EMPTY_PATH);
  } else {
    const std::string self = fmt::format("/proc/self/fd/{}", ctx.exec_helper.get());
    execve(self.c_str(), hargv.data(), cenv.data());
  }
  return Status::from_errno("exec ringfence-exec");
}

}  // namespace ringfence::runtime::handlers
