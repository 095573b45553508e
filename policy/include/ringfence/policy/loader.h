// Reading profiles: one TOML file into a Layer, and a whole `extends` chain
// into the list of layers that merge.h combines.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

// Parses TOML text into a Layer. `file` is the name used in messages.
// Returns nothing when the text is not TOML; unknown keys and wrong types are
// reported in `diags` and leave the affected keys unset.
std::optional<Layer> read_layer(std::string_view text, const std::string& file, int layer,
                                Diagnostics& diags);

// The names of the profiles that ship inside the binary ("default", ...).
std::vector<std::string> shipped_profile_names();
// The text of a shipped profile, by name.
std::optional<std::string_view> shipped_profile_text(std::string_view name);
// The text of a file that ships inside the binary, by its path in the source
// tree ("profiles/seccomp/default.toml").
std::optional<std::string_view> embedded_file(std::string_view path);

// A reference in `extends` or on the command line names a shipped profile
// when it has no '/' and does not end in ".toml"; otherwise it is a path.
bool names_shipped_profile(std::string_view ref);

// Reads `ref` (a path or a shipped profile's name) and everything it extends.
// Returns the layers root-most first, the profile itself last; layer indices
// follow that order. `from` is where the reference was written, for messages.
std::vector<Layer> load_chain(const std::string& ref, Diagnostics& diags,
                              const SourceLocation& from = {});

}  // namespace ringfence::policy
