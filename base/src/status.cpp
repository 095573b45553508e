#include "ringfence/base/status.h"

#include <cstring>

namespace ringfence {

Status Status::from_errno(const std::string& what) { return from_errno(errno, what); }

Status Status::from_errno(int err, const std::string& what) { return Status{err, what + ": " + std::strerror(err)}; }

}  // namespace ringfence
