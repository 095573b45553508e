// `ringfence audit scan`, a subcommand of `audit`.
#pragma once

#include <functional>

#include "verbs.h"

namespace ringfence::cli {

// Adds `scan` under `audit`; `run` is set to what runs it (it returns -1
// when `scan` was not the subcommand chosen).
void add_audit_scan(CLI::App& audit_cmd, const GlobalOptions& global, std::function<int()>& run);

}  // namespace ringfence::cli
