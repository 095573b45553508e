// The plan order holds every rule of ../shared/SECURITY-LESSONS.md's safe
// order, for every shipped profile and for the variants that move steps
// (no_new_privileges off, a user namespace, rootless) or add them (volumes,
// device nodes, AppArmor and SELinux labels).
//
// No check here can pass by finding nothing: a step a rule names must be in
// the plan unless the case declares it absent (and the declaration itself is
// checked against the plan), and every rule is exercised by at least one case
// that has both of its steps (EveryRuleIsExercised).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_support.h"

namespace ringfence::test {
namespace {

using policy::Phase;

// Which rules apply depends on whether the child sets no_new_privileges.
enum class When { Always, WithNnp, WithoutNnp };

enum class Group { Mounts, Privileges, Seccomp, Exec, Userns };

// "first must come before then" in the plan.
struct Rule {
  Group group;
  const char* first;
  const char* then;
  When when = When::Always;
};

const std::vector<Rule>& rules() {
  static const std::vector<Rule> r = {
      // Everything that is mounted is mounted before pivot_root ...
      {Group::Mounts, "mount.propagation", "mount.pivot-root"},
      {Group::Mounts, "mount.rootfs", "mount.pivot-root"},
      {Group::Mounts, "mount.volumes", "mount.pivot-root"},
      {Group::Mounts, "mount.tmpfs", "mount.pivot-root"},
      {Group::Mounts, "mount.proc", "mount.pivot-root"},
      {Group::Mounts, "mount.dev", "mount.pivot-root"},
      {Group::Mounts, "devices.nodes", "mount.pivot-root"},
      {Group::Mounts, "mount.sys", "mount.pivot-root"},
      {Group::Mounts, "mount.hide-runtime", "mount.pivot-root"},
      {Group::Mounts, "suid.strip", "mount.pivot-root"},
      // ... and sealed after it.
      {Group::Mounts, "mount.pivot-root", "mount.masked-paths"},
      {Group::Mounts, "mount.pivot-root", "mount.readonly-paths"},
      {Group::Mounts, "mount.pivot-root", "mount.readonly-root"},
      {Group::Mounts, "mount.propagation", "mount.rootfs"},
      {Group::Mounts, "mount.rootfs", "mount.volumes"},
      // The setuid-free view goes under the volumes, not over them.
      {Group::Mounts, "suid.strip", "mount.volumes"},
      {Group::Mounts, "mount.dev", "devices.nodes"},
      // The drop: bounding set, groups, ids, then the sets.
      {Group::Privileges, "caps.bounding", "user.groups"},
      {Group::Privileges, "user.groups", "user.ids"},
      {Group::Privileges, "user.ids", "caps.sets"},
      {Group::Privileges, "caps.sets", "caps.ambient"},
      // Mounts need the capabilities that the drop removes.
      {Group::Privileges, "mount.readonly-root", "caps.bounding"},
      {Group::Privileges, "mount.masked-paths", "caps.bounding"},
      // The program starts inside its cgroup: the child waits for the
      // parent's attach before these.
      {Group::Privileges, "cgroup.attach", "caps.bounding"},
      {Group::Privileges, "cgroup.attach", "seccomp.load"},
      {Group::Privileges, "cgroup.attach", "process.init"},
      {Group::Privileges, "cgroup.attach", "process.exec"},
      {Group::Seccomp, "process.no-new-privileges", "landlock.restrict", When::WithNnp},
      {Group::Seccomp, "process.no-new-privileges", "seccomp.load", When::WithNnp},
      {Group::Seccomp, "landlock.restrict", "seccomp.load", When::WithNnp},
      // Without NNP only CAP_SYS_ADMIN may load a filter or a Landlock ruleset.
      {Group::Seccomp, "seccomp.load", "caps.bounding", When::WithoutNnp},
      {Group::Seccomp, "landlock.restrict", "caps.bounding", When::WithoutNnp},
      // The exec labels are asked for before the filter could refuse the write.
      {Group::Seccomp, "apparmor.exec-label", "seccomp.load"},
      {Group::Seccomp, "selinux.exec-label", "seccomp.load"},
      {Group::Exec, "process.close-fds", "process.cwd"},
      {Group::Exec, "process.cwd", "process.exec"},
      {Group::Exec, "process.new-session", "process.exec"},
      {Group::Userns, "userns.enter", "mount.propagation"},
      {Group::Userns, "userns.enter", "net.loopback"},
  };
  return r;
}

struct Case {
  std::string name;
  std::vector<std::string> refs;
  std::string extra;  // TOML stacked on top
  bool rootless = false;
  // Steps this case's plan does not have, on purpose. Any other step a rule
  // names must be in the plan.
  std::set<std::string> absent;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

bool declared_absent(const Case& c, const std::string& step) { return c.absent.count(step) != 0; }

bool applies(const Case& c, const Rule& r) {
  const bool nnp = !declared_absent(c, "process.no-new-privileges");
  if (r.when == When::WithNnp && !nnp) return false;
  if (r.when == When::WithoutNnp && nnp) return false;
  return !declared_absent(c, r.first) && !declared_absent(c, r.then);
}

// Steps that only some profiles have. Each case names those it lacks.
const std::set<std::string> kLabels = {"apparmor.check", "apparmor.exec-label", "selinux.check", "selinux.exec-label"};
const std::set<std::string> kLandlock = {"landlock.check", "landlock.restrict"};
const std::set<std::string> kUserns = {"userns.ids", "userns.maps", "userns.enter"};

std::set<std::string> join(std::initializer_list<std::set<std::string>> sets) {
  std::set<std::string> out;
  for (const auto& s : sets) out.insert(s.begin(), s.end());
  return out;
}

// What default, application and system-service have in common that they lack.
const std::set<std::string> kPlain = join({kLabels, kLandlock,
                                           {"mount.volumes", "devices.nodes", "suid.strip", "process.oom-score-adj"}});

// Every step a label, a volume and a device node add, on top of strict
// (Landlock, suid.strip) or default with NNP off.
const char* const kAdditions =
    "[[filesystem.volumes]]\nsource = \"/usr\"\ntarget = \"/data\"\nreadonly = true\n"
    "[[devices.allow]]\npath = \"/dev/fuse\"\ntype = \"c\"\nmajor = 10\nminor = 229\n"
    "[apparmor]\nprofile = \"docker-default\"\n"
    "[selinux]\ntype = \"container_t\"\n"
    "[resources]\noom_score_adj = 100\n";

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"default", {"default"}, "", false, join({kPlain, {"process.rlimits", "caps.ambient", "supervise"}})},
      {"application", {"application"}, "", false, kPlain},
      {"system_service", {"system-service"}, "", false, join({kPlain, {"caps.ambient"}})},
      {"low_level_service",
       {"low-level-service"},
       "",
       false,
       join({kPlain, kUserns, {"process.rlimits", "caps.ambient", "net.loopback"}})},
      {"strict",
       {"strict"},
       "",
       false,
       join({kLabels, {"mount.volumes", "devices.nodes", "process.oom-score-adj", "caps.ambient"}})},
      {"privileged",
       {"privileged"},
       "",
       false,
       join({kPlain, kUserns,
             {"seccomp.compile", "seccomp.load", "process.no-new-privileges", "mount.masked-paths",
              "mount.readonly-paths", "process.rlimits", "caps.ambient", "supervise"}})},
      {"no_nnp_with_landlock",
       {"default"},
       "[suid]\nno_new_privileges = false\n[landlock]\nread_only = [\"/\"]\nexecute = [\"/\"]\n",
       false,
       join({kLabels,
             {"mount.volumes", "devices.nodes", "suid.strip", "process.oom-score-adj", "process.no-new-privileges",
              "process.rlimits", "caps.ambient", "supervise"}})},
      // Rootless without limits has no cgroup (none is delegated); strict
      // asks for limits, so rootless_strict has one.
      {"rootless",
       {"default"},
       "",
       true,
       join({kPlain, {"process.rlimits", "caps.ambient", "supervise", "cgroup.create", "cgroup.attach"}})},
      {"rootless_strict",
       {"strict"},
       "",
       true,
       join({kLabels, {"mount.volumes", "devices.nodes", "process.oom-score-adj", "caps.ambient"}})},
      // The steps no shipped profile has: volumes, device nodes, both
      // labels, with NNP (strict) and without it.
      {"strict_with_everything", {"strict"}, kAdditions, false, {"caps.ambient"}},
      {"no_nnp_with_everything",
       {"default"},
       std::string("[suid]\nno_new_privileges = false\n[landlock]\nread_only = [\"/\"]\n") + kAdditions,
       false,
       {"process.no-new-privileges", "suid.strip", "process.rlimits", "caps.ambient", "supervise"}},
  };
  return c;
}

class PlanOrder : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    enter_source_dir();
    const Case& c = GetParam();
    std::vector<policy::Layer> extra;
    if (!c.extra.empty()) {
      policy::Diagnostics d;
      auto layer = policy::read_layer(c.extra, "extra.toml", 0, d);
      ASSERT_TRUE(layer) << d.format();
      extra.push_back(std::move(*layer));
    }
    policy::CompileOptions options;
    options.rootless = c.rootless;
    auto compiled = policy::compile(c.refs, std::move(extra), options);
    ASSERT_TRUE(compiled.ok()) << compiled.diags.format();
    plan_ = std::move(*compiled.plan);
  }

  // Position of a step, or -1.
  int at(const std::string& name) const {
    for (std::size_t i = 0; i < plan_.steps.size(); ++i)
      if (plan_.steps[i].name() == name) return static_cast<int>(i);
    return -1;
  }
  bool absent(const std::string& name) const { return declared_absent(GetParam(), name); }
  // Position of a step the case must have; a missing one fails the test.
  int must(const std::string& name) const {
    const int i = at(name);
    EXPECT_GE(i, 0) << name << " is not in the plan and the case does not declare it absent";
    return i;
  }
  void before(const std::string& a, const std::string& b) const {
    const int ia = must(a);
    const int ib = must(b);
    if (ia < 0 || ib < 0) return;  // already failed above
    EXPECT_LT(ia, ib) << a << " must come before " << b;
  }
  void check(Group g) const {
    int checked = 0;
    for (const Rule& r : rules()) {
      if (r.group != g || !applies(GetParam(), r)) continue;
      before(r.first, r.then);
      ++checked;
    }
    // Every case has mounts, privileges and exec steps; a group that checks
    // nothing for a case is a case or a table that lost its steps.
    if (g != Group::Seccomp && g != Group::Userns) {
      EXPECT_GT(checked, 0);
    }
  }
  const policy::Step* first_in(Phase phase) const {
    for (const auto& s : plan_.steps)
      if (s.phase() == phase) return &s;
    return nullptr;
  }

  policy::Plan plan_;
};

// The declarations the other tests rely on are true: a step declared absent
// is not in the plan.
TEST_P(PlanOrder, DeclaredAbsentStepsAreAbsent) {
  for (const auto& s : GetParam().absent) EXPECT_LT(at(s), 0) << s << " is declared absent but is in the plan";
}

TEST_P(PlanOrder, PhasesNeverGoBack) {
  ASSERT_FALSE(plan_.steps.empty());
  for (std::size_t i = 1; i < plan_.steps.size(); ++i)
    EXPECT_LE(plan_.steps[i - 1].phase(), plan_.steps[i].phase()) << plan_.steps[i].name();
  EXPECT_EQ(std::count_if(plan_.steps.begin(), plan_.steps.end(), [](const auto& s) { return s.phase() == Phase::Clone; }),
            1);
}

TEST_P(PlanOrder, EverythingThatCanFailEarlyIsInTheParentBeforeTheClone) {
  for (const char* s : {"seccomp.compile", "apparmor.check", "selinux.check", "landlock.check", "cgroup.create"}) {
    if (absent(s)) continue;
    const int i = must(s);
    if (i >= 0) {
      EXPECT_EQ(plan_.steps[i].phase(), Phase::ParentBeforeClone) << s;
    }
  }
  // rlimits and the maps are written by the parent after the clone.
  for (const char* s : {"process.rlimits", "process.oom-score-adj", "userns.maps"}) {
    if (absent(s)) continue;
    const int i = must(s);
    if (i >= 0) {
      EXPECT_EQ(plan_.steps[i].phase(), Phase::ParentAfterClone) << s;
    }
  }
}

TEST_P(PlanOrder, TheProgramStartsInsideItsCgroup) {
  if (absent("cgroup.attach")) return;  // declared: rootless without limits
  const int attach = must("cgroup.attach");
  ASSERT_GE(attach, 0);
  EXPECT_EQ(plan_.steps[attach].phase(), Phase::ParentWhileChild);
}

TEST_P(PlanOrder, TheChildIsNotDumpableFirst) {
  const policy::Step* first = first_in(Phase::ChildBeforePivot);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->name(), "process.dumpable-off");
}

TEST_P(PlanOrder, MountsComeBeforePivotRootAndTheSealsAfter) { check(Group::Mounts); }

TEST_P(PlanOrder, PrivilegesAreDroppedInTheSafeOrder) { check(Group::Privileges); }

TEST_P(PlanOrder, SeccompIsLastBeforeExecAndNoNewPrivsComesFirst) {
  check(Group::Seccomp);
  if (absent("seccomp.load") || absent("process.no-new-privileges")) return;  // declared: privileged, no NNP
  // With NNP only the init's fork and the exec follow the filter.
  const int seccomp = must("seccomp.load");
  ASSERT_GE(seccomp, 0);
  for (std::size_t i = static_cast<std::size_t>(seccomp) + 1; i < plan_.steps.size(); ++i) {
    const auto& n = plan_.steps[i].name();
    EXPECT_TRUE(n == "process.init" || n == "process.exec" || n == "supervise") << n << " after seccomp.load";
  }
}

TEST_P(PlanOrder, DescriptorsAreClosedAndTheCwdCheckedBeforeExec) {
  check(Group::Exec);
  ASSERT_GE(plan_.steps.size(), 2u);
  EXPECT_EQ(plan_.steps.back().name() == "supervise" ? plan_.steps[plan_.steps.size() - 2].name() : plan_.steps.back().name(),
            "process.exec");
}

TEST_P(PlanOrder, AUserNamespaceIsEnteredBeforeAnythingIsMounted) {
  if (absent("userns.maps")) {
    // Declared without a user namespace: then it is not entered either.
    EXPECT_LT(at("userns.enter"), 0);
    return;
  }
  check(Group::Userns);
}

INSTANTIATE_TEST_SUITE_P(Profiles, PlanOrder, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// A rule that no case has both steps of could never fail: each must be
// checked somewhere. (The cases' declared absences are checked against their
// plans above, so "declared present" here means present.)
TEST(PlanOrderCoverage, EveryRuleIsExercised) {
  for (const Rule& r : rules()) {
    const bool exercised =
        std::any_of(cases().begin(), cases().end(), [&](const Case& c) { return applies(c, r); });
    EXPECT_TRUE(exercised) << r.first << " before " << r.then << " is checked by no case";
  }
}

}  // namespace
}  // namespace ringfence::test
