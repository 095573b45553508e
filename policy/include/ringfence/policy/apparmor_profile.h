// The AppArmor profile ringfence generates for `[apparmor] generate = true`
// (and `ringfence export --format apparmor`): a confinement in the spirit of
// Docker's default — files, network and capabilities as the other layers
// allow, but no mounts, no writes to kernel knobs under /proc and /sys, no
// raw kernel memory — plus the profile's own extra rules.
#pragma once

#include <string>

#include "ringfence/policy/plan.h"

namespace ringfence::policy {

std::string apparmor_profile_text(const AppArmorParams& params);

}  // namespace ringfence::policy
