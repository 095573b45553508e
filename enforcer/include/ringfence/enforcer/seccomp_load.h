// seccomp.load: install a program compiled in the parent.
#pragma once

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/base/result.h"

#include <string>

namespace ringfence::enforcer {

// Loads `filter` for the calling thread. When it has notify rules, returns
// the listener descriptor (SECCOMP_FILTER_FLAG_NEW_LISTENER) for the
// supervisor; otherwise an invalid Fd (a success all the same).
// `log_denials`: the kernel also logs every call the filter does not allow
// to its audit log (SECCOMP_FILTER_FLAG_LOG), where the supervisor reads it.
Result<Fd> load_filter(const CompiledFilter& filter, bool log_denials = false);

}  // namespace ringfence::enforcer

namespace ringfence::enforcer {
// libseccomp's version as linked ("2.5.4"), for `ringfence-oci --version`
// and `features`.
std::string libseccomp_version();
}  // namespace ringfence::enforcer
