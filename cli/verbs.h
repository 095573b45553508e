// One function per verb adds its subcommand to the command line and returns
// what runs it. main.cpp parses and runs the chosen one.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/overrides.h"

namespace ringfence::cli {

// Options that every verb shares.
struct GlobalOptions {
  std::string state_root;  // --root as given; "" = the default (see state_root() in sandbox_ref.h)
  std::vector<std::string> invocation;  // the command line as typed, for generated files' headers
  // When main began: `run --timings` counts from it.
  std::chrono::steady_clock::time_point started;
};

struct Verb {
  CLI::App* command = nullptr;
  std::function<int()> run;
};

Verb add_validate(CLI::App& app);
Verb add_plan(CLI::App& app);
Verb add_export(CLI::App& app);
Verb add_run(CLI::App& app, const GlobalOptions& global);
Verb add_learn(CLI::App& app, const GlobalOptions& global);
Verb add_list(CLI::App& app, const GlobalOptions& global);
Verb add_kill(CLI::App& app, const GlobalOptions& global);
Verb add_stop(CLI::App& app, const GlobalOptions& global);
Verb add_inspect(CLI::App& app, const GlobalOptions& global);
Verb add_logs(CLI::App& app, const GlobalOptions& global);
Verb add_delete(CLI::App& app, const GlobalOptions& global);
Verb add_exec(CLI::App& app, const GlobalOptions& global);
Verb add_audit(CLI::App& app, const GlobalOptions& global);
Verb add_lint(CLI::App& app);
Verb add_harden(CLI::App& app);
Verb add_image(CLI::App& app, const GlobalOptions& global);

// Compiles profile references plus command-line overrides; prints every
// diagnostic to stderr. Shared by the verbs that take a profile.
// `below_flags`: layers between the profiles and the flags (an image's config).
policy::Compiled compile_with_flags(const std::vector<std::string>& refs, const policy::DockerFlags& flags,
                                    const policy::CompileOptions& options = {},
                                    std::vector<policy::Layer> below_flags = {});

}  // namespace ringfence::cli
