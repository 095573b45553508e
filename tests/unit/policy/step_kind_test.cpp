// The step-kind and namespace-kind registries: one name per kind, every
// row of the order table a kind, and the namespace table's clone flags the
// kernel's own.
#include <sched.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "ringfence/policy/namespace_kinds.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/step_kind.h"

namespace ringfence::policy {
namespace {

TEST(StepKinds, EveryKindHasOneNameThatLeadsBackToIt) {
  std::set<std::string> names;
  for (const StepKind kind : kAllStepKinds) {
    const std::string name(step_name(kind));
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << name << " is the name of two kinds";
    ASSERT_TRUE(step_kind(name).has_value()) << name;
    EXPECT_EQ(*step_kind(name), kind) << name;
  }
  EXPECT_FALSE(step_kind("no.such-step").has_value());
}

TEST(StepKinds, EveryRowOfTheOrderTableIsAKindAndEveryKindHasARow) {
  std::set<std::string> rows;
  for (const auto& [name, phase] : plan_order_rows()) {
    EXPECT_TRUE(step_kind(name).has_value()) << name << " is in the order table but is no kind";
    rows.insert(name);
  }
  for (const StepKind kind : kAllStepKinds)
    EXPECT_TRUE(rows.count(std::string(step_name(kind)))) << step_name(kind) << " has no place in the order";
}

// What `exec` applies again: the steps that shape a process, not the
// sandbox (its namespaces, mounts, cgroup, ids are the running sandbox's).
TEST(StepKinds, ExecAppliesTheProcessStepsAndNotTheSandboxs) {
  for (const StepKind k : {StepKind::SeccompLoad, StepKind::CapsBounding, StepKind::UserIds, StepKind::ProcessExec,
                           StepKind::ProcessNoNewPrivileges, StepKind::LandlockRestrict, StepKind::ProcessRlimits,
                           StepKind::CgroupAttach})
    EXPECT_TRUE(step_applies_to_exec(k)) << step_name(k);
  for (const StepKind k : {StepKind::NamespacesCreate, StepKind::MountRootfs, StepKind::MountPivotRoot,
                           StepKind::CgroupCreate, StepKind::UsernsMaps, StepKind::UsernsIds, StepKind::ProcessInit,
                           StepKind::SuidScan, StepKind::NamespacesJoin})
    EXPECT_FALSE(step_applies_to_exec(k)) << step_name(k);
}

TEST(StepKinds, AStepsParametersAreOnlyThoseOfItsKind) {
  const Step s = Step::make<StepKind::CapsSets>(Phase::ChildBeforeExec, CapSets{1, 2, 3, 4, 5}, "why");
  ASSERT_NE(s.params_if<StepKind::CapsSets>(), nullptr);
  EXPECT_EQ(s.params_if<StepKind::CapsSets>()->bounding, 1u);
  // Same parameter type, another kind: not its parameters.
  EXPECT_EQ(s.params_if<StepKind::CapsBounding>(), nullptr);
  EXPECT_EQ(s.name(), "caps.sets");
}

TEST(NamespaceKinds, TheCloneFlagsAreTheKernels) {
  const std::pair<std::string_view, std::uint64_t> kernel[] = {
      {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},   {"pid", CLONE_NEWPID},      {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},  {"cgroup", CLONE_NEWCGROUP},
  };
  for (const auto& [proc, flag] : kernel) {
    const NamespaceKind* k = namespace_kind(proc);
    ASSERT_NE(k, nullptr) << proc;
    EXPECT_EQ(k->clone_flag, flag) << proc;
  }
  EXPECT_EQ(kNamespaceKinds.front().proc, "user") << "joined first: it gives the rights to join the others";
}

TEST(NamespaceKinds, CloneFlagsFollowWhatThePlanCreates) {
  NamespacesParams p;
  p.user = true;
  p.mount = true;
  p.pid = false;
  p.ipc = p.uts = p.net = p.cgroup = false;
  EXPECT_EQ(clone_flags_of(p), static_cast<std::uint64_t>(CLONE_NEWUSER | CLONE_NEWNS));
}

}  // namespace
}  // namespace ringfence::policy
