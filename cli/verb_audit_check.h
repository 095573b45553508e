// `ringfence audit check`, a subcommand of `audit`.
#pragma once

#include <functional>

#include "verbs.h"

namespace ringfence::cli {

// Adds `check` under `audit`; `run` is set to what runs it.
void add_audit_check(CLI::App& audit_cmd, const GlobalOptions& global, std::function<int()>& run);

}  // namespace ringfence::cli
