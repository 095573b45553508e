// The small grammars of profile values (names, host names, CPU lists, MLS
// levels...), written as plain functions: std::regex would be built on
// every start of ringfence, and its construction alone cost more than the
// rest of validation.
#pragma once

#include <string_view>

namespace ringfence::policy::syntax {

// [A-Za-z0-9][A-Za-z0-9_.-]{0,127}: profile and sandbox names.
bool is_name(std::string_view s);
// NAME, UID, NAME:GROUP or UID:GID; names [A-Za-z_][A-Za-z0-9_.-]* ("$" may end a user name).
bool is_user_spec(std::string_view s);
// [A-Za-z_][A-Za-z0-9_.-]* or digits.
bool is_group(std::string_view s);
// RFC 1123 labels separated by dots, at most 64 bytes.
bool is_hostname(std::string_view s);
// "4", "4.8", "4.8.1"
bool is_kernel_version(std::string_view s);
// "0-3,6": numbers or ascending ranges, comma-separated.
bool is_cpu_list(std::string_view s);
// [A-Za-z0-9_./@+-][A-Za-z0-9_./@+:-]*
bool is_apparmor_name(std::string_view s);
// [A-Za-z0-9_]+
bool is_selinux_identifier(std::string_view s);
// s0, s0-s15, s0:c1,c2, s0:c0.c1023
bool is_mls_level(std::string_view s);
// sha256: followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view s);
// RF-[A-Z]+-NNN
bool is_rule_id(std::string_view s);

}  // namespace ringfence::policy::syntax
