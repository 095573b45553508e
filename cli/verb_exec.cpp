// ringfence exec NAME -- CMD [ARGS]
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
    std::vector<std::string> command;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("exec", "Run another program inside a running sandbox, under the same policy");
  cmd->add_option("name", o->name, "The sandbox")->required();
  cmd->add_option("command", o->command, "The program and its arguments (after --)")->required();
  return {cmd, [o, &global] {
            if (!usable_name(o->name)) return kExitUsage;
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            return runtime::exec_in_sandbox(*root, o->name, o->command);
          }};
}

}  // namespace ringfence::cli
