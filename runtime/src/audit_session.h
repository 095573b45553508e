// A kernel audit session for one sandbox. The kernel stamps every audit
// record with the session (`ses=`) of the process that caused it, and a
// process inherits its parent's session across fork and exec. So a sandbox
// whose processes all have a session of their own is named by every record
// they cause — even one read after its process has exited and its pid been
// reused, which no lookup in /proc can do.
//
// A session starts when a process writes its login uid
// (/proc/self/loginuid). ringfence writes the one it already has, so the
// records still name the person who logged in; a process started outside
// any login (a service, a CI job) has none, and gets the uid that started
// ringfence. The supervisor does this to itself just before the clone: it
// lives for this one sandbox, and its session is then the sandbox's.
#pragma once

#include <cstdint>

#include "ringfence/base/result.h"

namespace ringfence::runtime {

// The new session's id. Fails where the kernel refuses a change of login
// uid (not root, or `loginuid_immutable` set on this host); the supervisor
// then tells a sandbox's records apart by their pids alone.
Result<std::uint32_t> begin_audit_session();

}  // namespace ringfence::runtime
