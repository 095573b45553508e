// Shared by the compliance tests: a shipped profile's plan and one finding
// of a report.
#pragma once

#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "ringfence/audit/compliance.h"
#include "ringfence/policy/compiler.h"

namespace ringfence::audit::test_support {

// The plan of `profile` (a shipped name or a path), compiled from the source
// tree; an empty plan, and a failed test, when it does not compile.
inline policy::Plan plan_of(const std::string& profile) {
  EXPECT_EQ(chdir(RINGFENCE_SOURCE_DIR), 0);
  auto c = policy::compile({profile});
  EXPECT_TRUE(c.ok()) << profile << c.diags.format();
  return c.plan ? *c.plan : policy::Plan{};
}

// The report's finding for control `id`, or null.
inline const Finding* find_finding(const Report& r, const std::string& id) {
  for (const auto& f : r.findings)
    if (f.control == id) return &f;
  return nullptr;
}

}  // namespace ringfence::audit::test_support
