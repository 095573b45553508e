// ringfence stop [-t SECONDS] NAME: docker stop's contract. The init gets
// SIGTERM (it passes it to the program); if the sandbox has not ended
// after the grace period, SIGKILL. Stopping one that already ended is not
// an error.
#include <signal.h>

#include <cstring>
#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/pidfd.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_stop(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string name;
    int seconds = 10;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("stop", "Stop a sandbox: SIGTERM, then SIGKILL after the grace period");
  cmd->add_option("-t,--time", o->seconds, "Seconds to wait before SIGKILL")
      ->check(CLI::Range(0, 24 * 3600))
      ->capture_default_str();
  cmd->add_option("name", o->name, "The sandbox")->required();
  return {cmd, [o, &global] {
            auto found = find_sandbox(global, o->name);
            if (const int* code = std::get_if<int>(&found)) return *code;
            const runtime::SandboxState& state = std::get<NamedSandbox>(found).state;
            Fd init = open_init(state);
            if (init.valid()) {
              if (enforcer::pidfd_signal(init.get(), SIGTERM) != 0 && errno != ESRCH) {
                fmt::print(stderr, "ringfence: stop {}: {}\n", o->name, std::strerror(errno));
                return kExitRuntimeError;
              }
              if (!wait_exit(init.get(), o->seconds)) {
                fmt::print(stderr, "ringfence: '{}' did not stop within {} s: killing it\n", o->name, o->seconds);
                enforcer::pidfd_signal(init.get(), SIGKILL);
                wait_exit(init.get(), 10);
              }
            }
            // The supervisor records the stop and cleans up once the init
            // is gone: waited for, so that a `delete` right after finds it
            // stopped.
            if (runtime::same_process(state.supervisor_pid, state.supervisor_start_time))
              if (Fd supervisor(enforcer::pidfd_open_process(state.supervisor_pid)); supervisor.valid())
                wait_exit(supervisor.get(), 10);
            fmt::print("{}\n", o->name);
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
