// What the binary embeds already read: the built-in seccomp base
// ("default", from profiles/seccomp/default.toml) and every shipped profile
// (profiles/*.toml). tools/gen_prepared_policy.cpp reads them at build time
// with the same reader as any profile file and stores the result in a
// compact form of its own (compact_codec.cpp); at run time it is decoded
// without a TOML or JSON parser. Reading a shipped profile's TOML took a
// fresh process 0.75 ms or more, most of a first compile
// (docs/performance.md). Every value keeps its line and column in the TOML
// file, so plans and messages point at the source as before.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/profile.h"
#include "ringfence/policy/seccomp_base.h"

namespace ringfence::policy {

std::string encode_seccomp_base(const SeccompBase& base);
std::optional<SeccompBase> decode_seccomp_base(std::string_view encoded, const std::string& file, Diagnostics& diags);

// A profile as read_layer reads it (every entry of layer 0). Decoded
// locations name `file`.
std::string encode_profile(const Profile& profile);
std::optional<Profile> decode_profile(std::string_view encoded, const std::string& file, Diagnostics& diags);

// Generated at build time (or stubs in the generator itself).
std::string_view default_seccomp_base_encoded();
// A shipped profile by name ("default"), read; nullopt for any other name.
std::optional<std::string_view> shipped_profile_encoded(std::string_view name);

}  // namespace ringfence::policy
