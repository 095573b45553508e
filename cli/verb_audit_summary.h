// `ringfence audit summary`, a subcommand of `audit`: per sandbox, what was
// refused how often (docs/audit.md, "Reading").
#pragma once

#include <functional>

#include "verbs.h"

namespace ringfence::cli {

// Adds `summary` under `audit`; `run` is set to what runs it (it returns -1
// when `summary` was not the subcommand given).
void add_audit_summary(CLI::App& audit_cmd, std::function<int()>& run);

}  // namespace ringfence::cli
