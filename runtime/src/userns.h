// The uid/gid maps of a sandbox's user namespace, written by the parent
// (step userns.maps): as root any maps; without root the caller's own id,
// or its subordinate ids through the setuid helpers newuidmap/newgidmap.
#pragma once

#include <sys/types.h>

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"
#include "ringfence/runtime/subids.h"

#include <optional>

namespace ringfence::runtime {

// As root with automatic maps, `block` is the sandbox's reserved block.
Status write_id_maps(pid_t child, const policy::UserNsParams& params, const std::optional<IdBlock>& block);

}  // namespace ringfence::runtime
