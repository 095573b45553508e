// Binds Docker's flags (--cap-add, --read-only, -v ...) to a subcommand so
// that validate, plan, export and run accept the same overrides.
#pragma once

#include <CLI/CLI.hpp>

#include "ringfence/policy/overrides.h"

namespace ringfence::cli {

void add_docker_flags(CLI::App& app, policy::DockerFlags& flags);

}  // namespace ringfence::cli
