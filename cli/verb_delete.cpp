// ringfence delete NAME [--force]
#include <signal.h>
#include "ringfence/base/paths.h"
#include "ringfence/enforcer/pidfd.h"

#include <memory>

#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/runtime/subids.h"

#include <climits>
#include <cstdlib>
#include "sandbox_ref.h"
#include "verbs.h"

namespace ringfence::cli {

Verb add_delete(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::vector<std::string> names;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("delete", "Remove stopped sandboxes (running ones only with --force)");
  cmd->alias("rm");
  cmd->add_option("names", o->names, "The sandboxes")->required();
  cmd->add_flag("-f,--force", o->force, "Kill the sandbox first if it runs");
  return {cmd, [o, &global] {
            // Every name is checked before any sandbox is touched.
            for (const auto& name : o->names)
              if (!usable_name(name)) return kExitUsage;
            const auto root = state_root(global);
            if (!root) return kExitRuntimeError;
            int status = kExitOk;
            for (const auto& name : o->names) {
              auto state = runtime::read_state(*root, name);
              if (!state && state.status().err == ENOENT) {
                fmt::print(stderr, "ringfence: {}\n", state.status().message);
                status = kExitInvalid;
                continue;
              }
              // A state file that cannot be read is removed all the same:
              // delete is how a user recovers from a crash.
              if (state) {
                Fd init = open_init(*state);
                if (init.valid()) {
                  if (!o->force) {
                    fmt::print(stderr, "ringfence: sandbox '{}' is running; stop it first or use --force\n", name);
                    status = kExitInvalid;
                    continue;
                  }
                  enforcer::pidfd_signal(init.get(), SIGKILL);
                  wait_exit(init.get(), 10);
                }
                // Let a live supervisor finish its own cleanup first.
                if (runtime::same_process(state->supervisor_pid, state->supervisor_start_time)) {
                  Fd sup(enforcer::pidfd_open_process(state->supervisor_pid));
                  if (sup.valid()) wait_exit(sup.get(), 10);
                }
              }
              // An OCI container's cgroup is where its bundle put it.
              const auto layout = enforcer::detect_cgroup_layout();
              const auto cgroup = state && !state->cgroup_path.empty() ? enforcer::cgroup_at(layout, state->cgroup_path)
                                                                       : enforcer::open_cgroup(layout, name);
              if (auto s = enforcer::destroy_cgroup(cgroup); !s) {
                fmt::print(stderr, "ringfence: {}\n", s.message);
                status = kExitRuntimeError;
              }
              // The sandbox's block of host ids is free again once its
              // processes are gone (a file it left in a volume keeps its ids).
              runtime::release_id_blocks(canonical_or_same(runtime::state_dir(*root, name)));
              if (auto s = runtime::remove_state_dir(*root, name); !s) {
                fmt::print(stderr, "ringfence: {}\n", s.message);
                status = kExitRuntimeError;
              }
            }
            return status;
          }};
}

}  // namespace ringfence::cli
