// seccomp.load: install a program compiled in the parent.
#pragma once

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/base/status.h"

namespace ringfence::enforcer {

// Loads `filter` for the calling thread. When it has notify rules, returns
// the listener descriptor (SECCOMP_FILTER_FLAG_NEW_LISTENER) for the
// supervisor; otherwise an invalid Fd.
Fd load_filter(const CompiledFilter& filter, Status& status);

}  // namespace ringfence::enforcer
