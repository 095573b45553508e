// `ringfence audit setup-keys | seal | head | rotate`: the subcommands of
// `audit` that keep the log's end provable (docs/audit.md, "Seals",
// "Anchors", "Rotation").
#pragma once

#include <functional>
#include <string>

#include "verbs.h"

namespace ringfence::cli {

// Adds them under `audit`; `run` is set to what runs whichever was parsed
// (it returns -1 when none of them was).
void add_audit_seal(CLI::App& audit_cmd, std::function<int()>& run);

}  // namespace ringfence::cli
