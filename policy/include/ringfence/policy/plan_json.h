// Rendering a plan: JSON for tools and golden tests, text for reviewers, and
// the SHA-256 that the audit log records for every sandbox.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

// With include_origins, each seccomp rule says which file and line it came
// from and the plan lists its extends chain.
nlohmann::json plan_to_json(const Plan& plan, bool include_origins = true);
nlohmann::json step_params_json(const Step& step, bool include_origins = true);
std::string plan_to_text(const Plan& plan);

// The hash of what the plan enforces (its JSON without origins): two profiles
// written differently that enforce the same thing hash the same.
std::string plan_sha256(const Plan& plan);
// libcrypto set up for hashing alone, without the system's openssl.cnf: a
// SHA-256 needs no configuration, and loading it cost each short-lived
// command (every ringfence-oci verb) about a millisecond. sha256_hex calls
// it; other users of EVP call it first.
void init_libcrypto();
// SHA-256 (hex) with libcrypto's own SHA-256 functions, not EVP: on
// OpenSSL 3 the first EVP digest of a process fetches the algorithm from
// the default provider, 0.7-1 ms (measured on this machine) on every start
// that hashes its plan, its seccomp cache key and its audit records.
std::string sha256_hex(std::string_view data);

}  // namespace ringfence::policy
