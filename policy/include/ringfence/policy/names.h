// The vocabularies a profile names things in — capabilities, syscalls,
// errno values — checked against the libraries that own them (libcap-ng,
// libseccomp, glibc), plus the "did you mean" suggestion used for every
// misspelling a user can make.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringfence::policy {

// The candidate closest to `word` by edit distance, if it is close enough to
// be a plausible typo (at most a third of the word's length, at least 1 —
// or 2 for words of 4 letters or more in a list of at most 32 candidates;
// case-insensitive).
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates);

// A string from a profile as shown in a message: control characters (a NUL
// in a path, an escape sequence) written as \xNN, so that the message stays
// one readable line and cannot be cut short.
std::string printable(std::string_view text);

// " (did you mean 'x'?)" or "" — appended to error messages.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view quote = "'");

// ---- capabilities (libcap-ng) ------------------------------------------------
// Accepts "NET_ADMIN", "CAP_NET_ADMIN", "net_admin"; returns the number.
std::optional<int> capability_from_name(std::string_view name);
// "CAP_NET_ADMIN"
std::string capability_name(int cap);
// The highest capability number that both libcap-ng and this build know.
int last_capability();
// Every capability as "CAP_X", for suggestions and for "ALL".
const std::vector<std::string>& all_capability_names();

// ---- syscalls (libseccomp) ---------------------------------------------------
// True when libseccomp knows the name on any architecture.
bool syscall_known(std::string_view name);
// Every syscall name libseccomp knows, on any architecture.
const std::vector<std::string>& all_syscall_names();

// ---- errno values (glibc) ----------------------------------------------------
std::optional<int> errno_from_name(std::string_view name);  // "EPERM" -> 1
std::string errno_name(int number);                        // 1 -> "EPERM"
const std::vector<std::string>& all_errno_names();

}  // namespace ringfence::policy

namespace ringfence::policy {
// ---- rlimits -------------------------------------------------------------------
// "nofile" -> RLIMIT_NOFILE (Docker's --ulimit names)
std::optional<int> rlimit_resource(std::string_view name);
const std::vector<std::string>& rlimit_names();
}  // namespace ringfence::policy
