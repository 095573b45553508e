// System-call fault injection for tests (docs/reliability.md, "Faults").
//
// A build configured with -DRINGFENCE_FAULT_INJECTION=ON honours
//
//   RINGFENCE_FAIL_SYSCALL=CALL:ERRNO[@N][,CALL:ERRNO[@N]...]
//
// Each call site ringfence wraps with fault::call("CALL", ...) then fails
// with ERRNO (a name: ENOMEM, EMFILE, EAGAIN, EIO, ENOSPC...) instead of
// making the call, from its Nth use in the process on (default: the first).
// It is how tests reach the failures the kernel does not give cheaply
// (ENOMEM from clone, EIO from the audit log's disk). Plain builds, the ones
// users get, ignore the variable: injected_errno is always 0 there.
// RINGFENCE_FAIL_STEP (runtime/src/steps.h) fails whole plan steps; this
// fails one system call inside whatever step makes it.
#pragma once

#include <cerrno>
#include <string_view>

namespace ringfence::fault {

// The errno this use of CALL is to fail with, or 0 to make the call. Each
// use counts, in this process (a forked child goes on from its parent's count).
int injected_errno(std::string_view call);

// Makes the call `f` unless CALL is to fail: then errno is set and -1 is
// returned, as the system call would.
template <class F>
auto call(std::string_view name, F&& f) -> decltype(f()) {
  if (const int err = injected_errno(name); err != 0) {
    errno = err;
    return static_cast<decltype(f())>(-1);
  }
  return f();
}

}  // namespace ringfence::fault
