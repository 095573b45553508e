// Fault injection for tests (docs/reliability.md, "Faults"): every hook
// ringfence has for making a failure on purpose, in one place.
//
// Only a build configured with -DRINGFENCE_FAULT_INJECTION=ON honours the
// variables below; the plain build, the one users get, ignores them all
// (the functions then answer "no fault", and this file is the only one
// that tests the macro):
//
//   RINGFENCE_FAIL_SYSCALL=CALL:ERRNO[@N[-M]][,CALL:ERRNO[@N[-M]]...]
//       each call site wrapped with fault::call("CALL", ...) fails with
//       ERRNO (a name: ENOMEM, EMFILE, EAGAIN, EIO, ENOSPC...) instead of
//       making the call, from its Nth use in the process on (default: the
//       first), up to its Mth use when M is given: the failures the kernel
//       does not give cheaply (ENOMEM from clone, EIO from the audit log's
//       disk, ENOENT from a file replaced between its open and its mount).
//   RINGFENCE_FAIL_STEP=STEP     the plan step STEP (or a named point that
//       is no step, "monitor") fails as a whole (runtime/src/steps.h).
//   RINGFENCE_KILL_AT=POINT      the process SIGKILLs itself at the named
//       moment POINT (runtime/src/kill_point.h).
//   RINGFENCE_CHECK_FAULT=NAME   `audit check` provokes the race NAME.
#pragma once

#include <cerrno>
#include <string_view>

namespace ringfence::fault {

// Whether this build honours the variables at all.
bool enabled();

// Whether the variable `variable` is set to exactly `value` (false in a
// plain build whatever the environment says).
bool named(const char* variable, std::string_view value);

// RINGFENCE_FAIL_STEP: does the step (or point) `step` fail?
inline bool step_fails(std::string_view step) { return named("RINGFENCE_FAIL_STEP", step); }

// RINGFENCE_KILL_AT: SIGKILLs this process when the variable names
// `point` — not exit or abort: nothing of the process runs after it, no
// destructor, no handler, exactly as when someone else sends it.
void kill_point(std::string_view point);

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
