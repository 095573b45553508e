// `ringfence exec -e/-w/-u`: the exec's own process steps, changed as
// docker exec's flags change them. Only the steps that describe the one
// process (process.exec's environment, process.cwd, user.ids/user.groups)
// are touched; capabilities, filters and mounts stay the sandbox's.
#include <cstdlib>

#include "ringfence/runtime/exec.h"

namespace ringfence::runtime {
namespace {

Status apply_env(const std::vector<std::string>& env, policy::ExecParams& exec) {
  for (const auto& e : env) {
    const auto eq = e.find('=');
    const std::string key = e.substr(0, eq);
    if (key.empty()) return Status::failure("exec -e '" + e + "': the variable has no name", EINVAL);
    if (eq != std::string::npos) {
      exec.env[key] = e.substr(eq + 1);
    } else if (const char* value = std::getenv(key.c_str())) {
      exec.env[key] = value;  // -e NAME: the caller's value, as Docker takes it
    }
    // -e NAME, unset here: nothing, as in Docker.
  }
  return {};
}

}  // namespace

Status apply_exec_request(const ExecRequest& request, policy::Plan& plan) {
  auto* exec = plan.params<policy::StepKind::ProcessExec>();
  if (!request.env.empty() && exec)
    if (Status st = apply_env(request.env, *exec); !st) return st;
  if (!request.workdir.empty()) {
    if (request.workdir.front() != '/')
      return Status::failure("exec -w '" + request.workdir + "': the working directory must be absolute", EINVAL);
    if (exec) exec->cwd = request.workdir;
    if (auto* cwd = plan.params<policy::StepKind::ProcessCwd>()) cwd->cwd = request.workdir;
  }
  if (!request.user.empty()) {
    const auto colon = request.user.find(':');
    const std::string user = request.user.substr(0, colon);
    const std::string group = colon == std::string::npos ? "" : request.user.substr(colon + 1);
    if (user.empty() || (colon != std::string::npos && group.empty()))
      return Status::failure("exec -u '" + request.user + "': expected USER or USER:GROUP", EINVAL);
    // Resolved inside the sandbox's root, as run's --user is; "" group: the user's own.
    for (auto* id : {plan.params<policy::StepKind::UserIds>(), plan.params<policy::StepKind::UserGroups>()}) {
      if (!id) continue;
      id->user = user;
      id->group = group;
    }
  }
  return {};
}

}  // namespace ringfence::runtime
