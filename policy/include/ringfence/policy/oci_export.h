// A plan as an OCI runtime-spec fragment: the `process`, `linux`, `mounts`,
// `root` and `hostname` parts that crun or runc would need to enforce the
// same policy.
#pragma once

#include <nlohmann/json.hpp>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

nlohmann::json export_oci(const Plan& plan);

// The `linux.seccomp` object of the OCI runtime spec.
nlohmann::json seccomp_to_oci(const SeccompFilter& filter);

}  // namespace ringfence::policy
