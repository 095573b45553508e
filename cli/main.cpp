// The ringfence command.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "exit_codes.h"
#include "ringfence/runtime/state.h"
#include "verbs.h"

namespace {

// /run/ringfence for root; a rootless user's own runtime directory otherwise.
std::string default_state_root() {
  if (geteuid() == 0) return ringfence::runtime::kDefaultStateRoot;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) return std::string(xdg) + "/ringfence";
  return "/tmp/ringfence-" + std::to_string(geteuid());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ringfence::cli;
  CLI::App app{"ringfence: run programs under a reviewed sandbox policy", "ringfence"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ringfence " RINGFENCE_VERSION);
  GlobalOptions global;
  global.state_root = default_state_root();
  global.invocation.assign(argv, argv + argc);
  app.add_option("--root", global.state_root, "Where sandboxes' state is kept")->capture_default_str();
  std::vector<Verb> verbs = {add_validate(app),     add_plan(app),           add_export(app),
                             add_run(app, global),  add_list(app, global),   add_exec(app, global),
                             add_kill(app, global), add_delete(app, global), add_audit(app, global),
                             add_lint(app),         add_harden(app),         add_learn(app, global)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  for (const auto& verb : verbs)
    if (verb.command->parsed()) return verb.run();
  return kExitUsage;
}
