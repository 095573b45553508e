// `ringfence image lint`, a subcommand of `image`.
#pragma once

#include <functional>
#include <string>

#include "verbs.h"

namespace ringfence::cli {

// Adds `lint` under `image`; `run` is set to what runs it: -1 when `lint`
// was not the subcommand given. `image_store` is `image --store`, used when
// `lint --store` is not given; it must outlive `run`.
void add_image_lint(CLI::App& image_cmd, const std::string& image_store, std::function<int()>& run);

}  // namespace ringfence::cli
