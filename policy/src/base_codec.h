// The built-in seccomp base ("default") in a form that loads fast: the
// rules of profiles/seccomp/default.toml, read and validated at build time
// by tools/gen_seccomp_base.cpp, stored in the binary in a compact form of
// its own (base_codec.cpp), and decoded at run time without a TOML or JSON
// parser. Every value keeps its line and column in the TOML file, so plans
// and messages point at the source.
#pragma once

#include <string>
#include <string_view>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/seccomp_base.h"

namespace ringfence::policy {

std::string encode_seccomp_base(const SeccompBase& base);
std::optional<SeccompBase> decode_seccomp_base(std::string_view encoded, const std::string& file, Diagnostics& diags);

// Generated at build time (or a stub in the generator itself).
std::string_view default_seccomp_base_encoded();

}  // namespace ringfence::policy
