// The ringfence command.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

// Every verb, by its name and aliases (as its add_ function gives them), in
// the order of `ringfence --help`.
struct VerbEntry {
  std::vector<std::string_view> names;
  ringfence::cli::Verb (*add)(CLI::App&, const ringfence::cli::GlobalOptions&);
};

const std::vector<VerbEntry>& verb_table() {
  using namespace ringfence::cli;
  using G = const GlobalOptions&;
  static const std::vector<VerbEntry> table = {
      {{"validate"}, [](CLI::App& a, G) { return add_validate(a); }},
      {{"plan"}, [](CLI::App& a, G) { return add_plan(a); }},
      {{"export"}, [](CLI::App& a, G) { return add_export(a); }},
      {{"run"}, [](CLI::App& a, G g) { return add_run(a, g); }},
      {{"list", "ps"}, [](CLI::App& a, G g) { return add_list(a, g); }},
      {{"exec"}, [](CLI::App& a, G g) { return add_exec(a, g); }},
      {{"kill"}, [](CLI::App& a, G g) { return add_kill(a, g); }},
      {{"stop"}, [](CLI::App& a, G g) { return add_stop(a, g); }},
      {{"delete", "rm"}, [](CLI::App& a, G g) { return add_delete(a, g); }},
      {{"inspect"}, [](CLI::App& a, G g) { return add_inspect(a, g); }},
      {{"audit"}, [](CLI::App& a, G g) { return add_audit(a, g); }},
      {{"lint"}, [](CLI::App& a, G) { return add_lint(a); }},
      {{"logs"}, [](CLI::App& a, G g) { return add_logs(a, g); }},
      {{"harden"}, [](CLI::App& a, G) { return add_harden(a); }},
      {{"learn"}, [](CLI::App& a, G g) { return add_learn(a, g); }},
      {{"image"}, [](CLI::App& a, G g) { return add_image(a, g); }},
  };
  return table;
}

// The verb the command line names, or "" when it names none: no verb, a
// word that is no verb, or help or the version asked before it. (`app` has
// only the global options yet.)
std::string verb_named(const CLI::App& app, const std::vector<std::string>& line) {
  const auto at = ringfence::cli::verb_position(app, line);
  if (!at) return {};
  for (std::size_t i = 1; i < *at; ++i)
    if (line[i] == "-h" || line[i] == "--help" || line[i] == "--help-all" || line[i] == "--version") return {};
  return line[*at];
}

// Adds the verb named `only`, or every verb when `only` names none. CLI11
// makes each option's names, validators and help text when the verb is
// added: building all sixteen verbs was 0.4 ms of CPU in every ringfence
// process, which needs one (docs/performance.md).
std::vector<ringfence::cli::Verb> add_verbs(CLI::App& app, const ringfence::cli::GlobalOptions& global,
                                            const std::string& only) {
  std::vector<ringfence::cli::Verb> verbs;
  for (const auto& entry : verb_table())
    if (std::find(entry.names.begin(), entry.names.end(), only) != entry.names.end()) {
      verbs.push_back(entry.add(app, global));
      return verbs;
    }
  for (const auto& entry : verb_table()) verbs.push_back(entry.add(app, global));
  return verbs;
}

// Ends the process once a verb has its exit status, without destroying
// what main and the static objects hold (the command line's parser, the
// policy tables): freeing them block by block only delays the exit, by
// 0.25 ms of every `ringfence run` (docs/performance.md). The verb's own
// objects are gone by now, each with what its destructor had to do (a
// terminal given back its mode); the output is flushed here. The sanitizer
// build returns instead, so that its leak check still runs at the exit.
[[noreturn]] void exit_with(int code) {
#if defined(__SANITIZE_ADDRESS__)
  std::exit(code);
#else
  std::fflush(nullptr);
  std::_Exit(code);
#endif
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
  const std::vector<std::string> line(argv, argv + argc);
  std::vector<Verb> verbs = add_verbs(app, global, verb_named(app, line));
  try {
    // CLI11 takes the words in reverse order.
    auto words = with_program_separator(app, line);
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
    if (verb.command->parsed()) exit_with(verb.run());
  return kExitUsage;
}
