// Capability steps with libcap-ng, in the order SECURITY-LESSONS.md gives:
// bounding set first (needs CAP_SETPCAP), then — after the uid change —
// permitted/effective/inheritable, then ambient.
#pragma once

#include <sys/types.h>

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// caps.bounding
Status apply_bounding(const policy::CapSets& caps);

// caps.sets: for root the plan's sets; for any other user only the ambient
// capabilities (what the kernel would keep across exec anyway). Clears
// keep-caps.
Status apply_cap_sets(const policy::CapSets& caps, uid_t uid);

// caps.ambient
Status apply_ambient(const policy::CapSets& caps);

// The supervisor's own drop once the program runs: it keeps CAP_KILL
// (to forward signals to, and clean up, a sandbox whose ids differ from its
// own) and nothing else, in every set including the bounding set.
Status keep_only_kill_capability();

// The calling process's bounding set.
std::uint64_t own_bounding_set();

// The sets a sandbox of this plan gets. A privileged sandbox gets every
// capability ringfence itself has (as Docker's --privileged gets the
// daemon's): root's bounding set may lack some, and asking for those would
// fail. The compliance check, run as root on the same host, expects the same.
policy::CapSets granted_caps(const policy::CapSets& caps, bool privileged);

// The permitted (= effective) set a process of `uid` ends up with.
std::uint64_t permitted_for(const policy::CapSets& caps, uid_t uid);

}  // namespace ringfence::enforcer
