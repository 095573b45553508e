// Whether this build honours RINGFENCE_FAIL_STEP and RINGFENCE_CHECK_FAULT
// (docs/runtime.md). scripts/test.sh's ASan build does; its optimised build
// is the plain one users get and does not. A test that needs injection
// skips in a plain build and says so; one test checks that a plain build
// ignores the variable.
#pragma once

#include <gtest/gtest.h>

namespace ringfence::itest {

#ifdef RINGFENCE_FAULT_INJECTION
inline constexpr bool kFaultInjection = true;
#else
inline constexpr bool kFaultInjection = false;
#endif

inline constexpr const char* kNoFaultInjection =
    "fault injection is off in this build (the plain build users get); this test runs in the ASan build of "
    "scripts/test.sh, or in a build configured with -DRINGFENCE_FAULT_INJECTION=ON";

}  // namespace ringfence::itest

#define RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION() \
  if (!::ringfence::itest::kFaultInjection) GTEST_SKIP() << ::ringfence::itest::kNoFaultInjection
