// Shared by the compliance tests: a shipped profile's plan and one finding
// of a report.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

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

// One process as a sandbox of the default profile shows it: Docker's 14
// capabilities in its sets (or `caps`), no_new_privs, a filter, root in a
// user namespace that maps every id to itself.
inline enforcer::ProcessFacts default_like_facts(pid_t pid = 10, std::uint64_t caps = 0xa80425fb) {
  enforcer::ProcessFacts f;
  f.pid = pid;
  enforcer::ThreadFacts t;
  t.tid = pid;
  t.cap_bnd = t.cap_prm = t.cap_eff = caps;
  t.cap_inh = t.cap_amb = 0;
  t.no_new_privs = 1;
  t.seccomp_mode = 2;
  t.uids = t.gids = std::array<std::uint32_t, 4>{0, 0, 0, 0};
  f.threads = {t};
  f.uid_map = f.gid_map = std::vector<policy::IdMapping>{{0, 0, 4294967295u}};
  return f;
}

// The report's finding for control `id`, or null.
inline const Finding* find_finding(const Report& r, const std::string& id) {
  for (const auto& f : r.findings)
    if (f.control == id) return &f;
  return nullptr;
}

}  // namespace ringfence::audit::test_support
