// ringfence exec [-i] [-t] [-e NAME=VALUE]... [-w DIR] [-u USER[:GROUP]] NAME -- CMD [ARGS]
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/runtime/exec.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_exec(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string name;
    runtime::ExecRequest request;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("exec", "Run another program inside a running sandbox, under the same policy");
  cmd->add_flag("-i,--interactive", o->request.stdin_open,
                "Keep stdin open for the program (without it, the program reads /dev/null, as under docker exec)");
  cmd->add_flag("-t,--tty", o->request.tty,
                "Give the program a terminal (a pty in the sandbox's own devpts) relayed to yours");
  cmd->add_option("-e,--env", o->request.env, "NAME=VALUE, or NAME for your value; added to the sandbox's environment")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("-w,--workdir", o->request.workdir, "Working directory inside the sandbox (absolute)");
  cmd->add_option("-u,--user", o->request.user,
                  "USER[:GROUP] (names or numbers, looked up in the sandbox) instead of the sandbox's user; "
                  "capabilities and filters stay the sandbox's");
  cmd->add_option("name", o->name, "The sandbox")->required();
  cmd->add_option("command", o->request.argv, "The program and its arguments (after --)")->required();
  return {cmd, [o, &global] {
            if (!usable_name(o->name)) return kExitUsage;
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            return runtime::exec_in_sandbox(*root, o->name, o->request);
          }};
}

}  // namespace ringfence::cli
