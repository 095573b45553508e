// Landlock: unprivileged filesystem access control, stacked on everything
// else. The ABI version decides which access rights exist.
#pragma once

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// The kernel's Landlock ABI version, or 0 when Landlock is unavailable.
int landlock_abi();

// landlock.restrict: read-only, read-write and execute beneath the given
// paths; everything else the ABI knows is denied. Paths that do not exist in
// this root are skipped: an allow-list entry that is missing grants nothing.
// `log_denials`: the kernel also logs what the exec'd program is refused (ABI 7).
Status apply_landlock(const policy::LandlockParams& params, bool log_denials = false);

}  // namespace ringfence::enforcer
