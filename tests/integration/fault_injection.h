// Whether this build honours the fault-injection variables (base/fault.h,
// docs/reliability.md). scripts/test.sh's ASan build does; its optimised build
// is the plain one users get and does not. A test that needs injection
// skips in a plain build and says so; one test checks that a plain build
// ignores the variable.
#pragma once

#include <gtest/gtest.h>

#include "ringfence/base/fault.h"

namespace ringfence::itest {

// The ringfence binary under test is built from the same configuration as
// this test, so the library's answer is the binary's.
inline bool fault_injection() { return fault::enabled(); }

inline constexpr const char* kNoFaultInjection =
    "fault injection is off in this build (the plain build users get); this test runs in the ASan build of "
    "scripts/test.sh, or in a build configured with -DRINGFENCE_FAULT_INJECTION=ON";

}  // namespace ringfence::itest

#define RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION() \
  if (!::ringfence::itest::fault_injection()) GTEST_SKIP() << ::ringfence::itest::kNoFaultInjection
