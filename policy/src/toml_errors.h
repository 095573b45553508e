// The TOML reader's messages for text that is not TOML, shared by every
// file ringfence reads as TOML (profiles, the site policy), so that a
// syntax error reads the same, with file:line:column, wherever it is.
#pragma once

#include <toml.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "ringfence/policy/diagnostic.h"

namespace ringfence::policy {

// A NUL byte or an unterminated construct that toml11 would report badly.
std::optional<Diagnostic> toml_unreadable(std::string_view text, const std::string& file);
// toml11's exception as one diagnostic at the place it names.
Diagnostic toml_syntax_diagnostic(const toml::exception& e, const std::string& file);

}  // namespace ringfence::policy
