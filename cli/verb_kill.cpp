// ringfence kill [-s SIGNAL] NAME [SIGNAL]
#include <signal.h>
#include <string.h>
#include "ringfence/enforcer/pidfd.h"

#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_kill(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string name;
    std::string signal = "KILL";
    std::string flag_signal;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("kill", "Send a signal to a sandbox's init (default: KILL, as docker kill)");
  cmd->add_option("-s,--signal", o->flag_signal, "Signal name or number, as docker kill -s");
  cmd->add_option("name", o->name, "The sandbox")->required();
  CLI::Option* positional = cmd->add_option("signal", o->signal, "Signal name or number");
  return {cmd, [o, positional, &global] {
            if (!o->flag_signal.empty()) {
              if (positional->count() > 0 && o->signal != o->flag_signal) {
                fmt::print(stderr, "ringfence: two signals given ('{}' and --signal '{}'): give one\n", o->signal,
                           o->flag_signal);
                return kExitUsage;
              }
              o->signal = o->flag_signal;
            }
            auto sig = parse_signal(o->signal);
            if (!sig) {
              fmt::print(stderr, "ringfence: '{}' is not a signal\n", o->signal);
              return kExitUsage;
            }
            auto found = find_sandbox(global, o->name);
            if (const int* code = std::get_if<int>(&found)) return *code;
            Fd init = open_init(std::get<NamedSandbox>(found).state);
            if (!init.valid()) {
              fmt::print(stderr, "ringfence: sandbox '{}' is not running\n", o->name);
              return kExitInvalid;
            }
            if (enforcer::pidfd_signal(init.get(), *sig) != 0) {
              fmt::print(stderr, "ringfence: kill {}: {}\n", o->name, std::strerror(errno));
              return kExitRuntimeError;
            }
            return kExitOk;
          }};
}

}  // namespace ringfence::cli
