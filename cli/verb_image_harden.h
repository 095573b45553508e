// `ringfence image harden`, a subcommand of `image`.
#pragma once

#include <functional>

#include "verbs.h"

namespace ringfence::cli {

// Adds `harden` under `image`; `run` is set to what runs it. The store is
// harden's own --store, else the `image --store` before it, else the default.
void add_image_harden(CLI::App& image_cmd, const GlobalOptions& global, std::function<int()>& run);

}  // namespace ringfence::cli
