#include "oci_hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <fmt/core.h>

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/runtime/exec.h"

namespace ringfence::cli {
namespace {

Status run_one(const policy::OciHook& hook, const char* which, const std::string& state_json, HookPlace place,
               pid_t pid) {
  const std::string name = fmt::format("{} hook {}", which, hook.path);
  Fd container;
  int ns_flags = 0;
  if (place != HookPlace::Runtime) {
    container.reset(enforcer::pidfd_open_process(pid));
    if (!container.valid()) return Status::from_errno(name + ": the container's process is gone");
    ns_flags = runtime::namespaces_to_join(pid);
  }
  // Resolved here, in the runtime's mount namespace, unless it is to be
  // found inside the container.
  Fd program;
  if (place != HookPlace::Container) {
    program.reset(open(hook.path.c_str(), O_PATH | O_CLOEXEC));
    if (!program.valid()) return Status::from_errno(name);
  }
  // A socket, not a pipe: a hook that never reads its stdin must not
  // bring SIGPIPE to us (send with MSG_NOSIGNAL).
  int in[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) return Status::from_errno(name + ": socketpair");
  Fd read_end(in[0]), write_end(in[1]);
  const pid_t child = fork();
  if (child < 0) return Status::from_errno(name + ": fork");
  if (child == 0) {
    dup2(read_end.get(), 0);
    if (place != HookPlace::Runtime && ns_flags != 0 && setns(container.get(), ns_flags) != 0) {
      fmt::print(stderr, "{}: enter the container's namespaces: {}\n", name, strerror(errno));
      _exit(126);
    }
    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = hook.env;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (program.valid()) syscall(SYS_execveat, program.get(), "", argv.data(), envp.data(), AT_EMPTY_PATH);
    else execve(hook.path.c_str(), argv.data(), envp.data());
    fmt::print(stderr, "{}: {}\n", name, strerror(errno));
    _exit(127);
  }
  read_end.reset();
  // The state, then end-of-file. The state is small: the socket's buffer
  // takes it without waiting for the hook.
  (void)!send(write_end.get(), state_json.data(), state_json.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  write_end.reset();
  Fd watch(enforcer::pidfd_open_process(child));
  const int timeout_ms = hook.timeout ? *hook.timeout * 1000 : -1;
  pollfd p{watch.get(), POLLIN, 0};
  const int ready = watch.valid() ? poll(&p, 1, timeout_ms) : 1;
  if (ready == 0) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return Status::failure(fmt::format("{} did not finish within its timeout of {} s; killed", name, *hook.timeout),
                           ETIMEDOUT);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return Status::failure(WIFSIGNALED(status) ? fmt::format("{} was killed by signal {}", name, WTERMSIG(status))
                                             : fmt::format("{} failed with exit status {}", name, WEXITSTATUS(status)),
                         EIO);
}

}  // namespace

Status run_hooks(const std::vector<policy::OciHook>& hooks, const char* which, const std::string& state_json,
                 HookPlace place, pid_t pid) {
  for (const auto& hook : hooks)
    if (Status st = run_one(hook, which, state_json, place, pid); !st) return st;
  return {};
}

}  // namespace ringfence::cli
