// The ringfence command.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "ringfence/base/exit_codes.h"
#include "oci_main.h"
#include "ringfence/policy/names.h"
#include "program_args.h"
#include "verbs.h"

namespace {

// A usage error, said about the right thing: an unknown verb by its name
// (CLI11 says "a subcommand is required"), an unknown option of a verb by
// its name (CLI11 lists everything after it, the program's own arguments
// included). `run` and `exec` exit 125 on it, as `docker run` does.
int usage_error(CLI::App& app, const std::vector<ringfence::cli::Verb>& verbs, const CLI::ParseError& e) {
  using namespace ringfence;
  const CLI::App* verb = nullptr;
  for (const auto& v : verbs)
    if (v.command->parsed()) verb = v.command;
  if (!verb) {
    const auto left = app.remaining();
    if (!left.empty() && !left.front().empty() && left.front()[0] != '-') {
      std::vector<std::string> names;
      for (const auto& v : verbs) names.push_back(v.command->get_name());
      fmt::print(stderr, "ringfence: unknown command '{}'{}\nRun 'ringfence --help' for the commands.\n",
                 left.front(), policy::did_you_mean(left.front(), names));
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  }
  const bool docker_like = verb->get_name() == "run" || verb->get_name() == "exec";
  std::string unknown;
  for (const auto& arg : verb->remaining())
    if (arg.size() > 1 && arg[0] == '-' && arg != "--") {
      unknown = arg;
      break;
    }
  if (!unknown.empty())
    fmt::print(stderr, "ringfence {}: unknown option '{}'{}\nRun 'ringfence {} --help' for its options.\n",
               verb->get_name(), unknown,
               docker_like ? " (the program and its arguments go after --)" : "", verb->get_name());
  else
    app.exit(e);
  return docker_like ? kExitRuntimeError : kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  using namespace ringfence;
  using namespace ringfence::cli;
  // The OCI runtime's command line is runc's, not ours: by the name it was
  // called by (engines are given a path to `ringfence-oci`), or `oci`.
  const std::string_view self = argc > 0 ? std::string_view(argv[0]) : std::string_view();
  const auto slash = self.rfind('/');
  if (self.substr(slash == std::string_view::npos ? 0 : slash + 1) == "ringfence-oci") return oci_main(argc, argv);
  if (argc > 1 && std::string_view(argv[1]) == "oci") return oci_main(argc - 1, argv + 1);
  CLI::App app{"ringfence: run programs under a reviewed sandbox policy", "ringfence"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ringfence " RINGFENCE_VERSION);
  GlobalOptions global;
  global.started = started;
  global.invocation.assign(argv, argv + argc);
  // The default is found (made and checked) only by the verbs that use it.
  app.add_option("--root", global.state_root,
                 "Where sandboxes' state is kept (default: /run/ringfence; rootless: $XDG_RUNTIME_DIR/ringfence, "
                 "else /tmp/ringfence-UID)");
  std::vector<Verb> verbs = {add_validate(app),     add_plan(app),           add_export(app),
                             add_run(app, global),  add_list(app, global),   add_exec(app, global),
                             add_kill(app, global), add_stop(app, global),   add_delete(app, global),
                             add_inspect(app, global), add_audit(app, global), add_lint(app),
                             add_logs(app, global),  add_harden(app),        add_learn(app, global),
                             add_image(app, global)};
  try {
    // CLI11 takes the words in reverse order.
    auto words = with_program_separator(app, std::vector<std::string>(argv, argv + argc));
    words.erase(words.begin());
    std::reverse(words.begin(), words.end());
    app.parse(words);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, verbs, e);
  }
  for (const auto& verb : verbs)
    if (verb.command->parsed()) return verb.run();
  return kExitUsage;
}
