// Parsing TOML, shared by every file ringfence reads as TOML (profiles, the
// site policy), so that a syntax error reads the same, with
// file:line:column, wherever it is.
#pragma once

#include <toml.hpp>

#include <map>
#include <optional>
#include <vector>
#include <string>
#include <string_view>

#include "ringfence/policy/diagnostic.h"

namespace ringfence::policy {

using TomlValue = toml::basic_value<toml::discard_comments, std::map, std::vector>;

// The text parsed as TOML, or nullopt with one diagnostic at the place
// that is wrong: a NUL byte or an unterminated construct toml11 would
// report badly, else toml11's own error, rewritten.
std::optional<TomlValue> parse_toml(std::string_view text, const std::string& file, Diagnostics& diags);

}  // namespace ringfence::policy
