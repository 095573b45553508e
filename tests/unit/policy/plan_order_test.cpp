// The plan order holds every rule of ../shared/SECURITY-LESSONS.md's safe
// order, for every shipped profile and for the variants that move steps
// (no_new_privileges off, a user namespace, rootless).
#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.h"

namespace ringfence::test {
namespace {

using policy::Phase;

struct Case {
  std::string name;
  std::vector<std::string> refs;
  std::string extra;  // TOML stacked on top
  bool rootless = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

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
  void before(const std::string& a, const std::string& b) const {
    if (at(a) < 0 || at(b) < 0) return;
    EXPECT_LT(at(a), at(b)) << a << " must come before " << b;
  }
  const policy::Step* first_in(Phase phase) const {
    for (const auto& s : plan_.steps)
      if (s.phase() == phase) return &s;
    return nullptr;
  }

  policy::Plan plan_;
};

TEST_P(PlanOrder, PhasesNeverGoBack) {
  for (std::size_t i = 1; i < plan_.steps.size(); ++i)
    EXPECT_LE(plan_.steps[i - 1].phase(), plan_.steps[i].phase()) << plan_.steps[i].name();
  EXPECT_EQ(std::count_if(plan_.steps.begin(), plan_.steps.end(), [](const auto& s) { return s.phase() == Phase::Clone; }),
            1);
}

TEST_P(PlanOrder, EverythingThatCanFailEarlyIsInTheParentBeforeTheClone) {
  for (const char* s : {"seccomp.compile", "apparmor.check", "selinux.check", "landlock.check", "cgroup.create"}) {
    if (at(s) >= 0) {
      EXPECT_EQ(plan_.steps[at(s)].phase(), Phase::ParentBeforeClone) << s;
    }
  }
  // rlimits and the maps are written by the parent after the clone.
  for (const char* s : {"process.rlimits", "process.oom-score-adj", "userns.maps"})
    if (at(s) >= 0) {
      EXPECT_EQ(plan_.steps[at(s)].phase(), Phase::ParentAfterClone) << s;
    }
}

TEST_P(PlanOrder, TheProgramStartsInsideItsCgroup) {
  if (at("cgroup.attach") < 0) return;
  EXPECT_EQ(plan_.steps[at("cgroup.attach")].phase(), Phase::ParentWhileChild);
  // The child waits for the parent's steps of that phase before these.
  for (const char* s : {"caps.bounding", "seccomp.load", "process.init", "process.exec"})
    if (at(s) >= 0) {
      EXPECT_LT(at("cgroup.attach"), at(s)) << s;
    }
}

TEST_P(PlanOrder, TheChildIsNotDumpableFirst) {
  const policy::Step* first = first_in(Phase::ChildBeforePivot);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->name(), "process.dumpable-off");
}

TEST_P(PlanOrder, MountsComeBeforePivotRootAndTheSealsAfter) {
  const int pivot = at("mount.pivot-root");
  ASSERT_GE(pivot, 0);
  for (const char* s : {"mount.propagation", "mount.rootfs", "mount.volumes", "mount.tmpfs", "mount.proc", "mount.dev",
                        "devices.nodes", "mount.sys", "mount.hide-runtime", "suid.strip"})
    if (at(s) >= 0) {
      EXPECT_LT(at(s), pivot) << s;
    }
  for (const char* s : {"mount.masked-paths", "mount.readonly-paths", "mount.readonly-root"})
    if (at(s) >= 0) {
      EXPECT_GT(at(s), pivot) << s;
    }
  before("mount.propagation", "mount.rootfs");
  before("mount.rootfs", "mount.volumes");
  before("mount.dev", "devices.nodes");
}

TEST_P(PlanOrder, PrivilegesAreDroppedInTheSafeOrder) {
  before("caps.bounding", "user.groups");
  before("user.groups", "user.ids");
  before("user.ids", "caps.sets");
  before("caps.sets", "caps.ambient");
  // Mounts need the capabilities that the drop removes.
  before("mount.readonly-root", "caps.bounding");
  before("mount.masked-paths", "caps.bounding");
}

TEST_P(PlanOrder, SeccompIsLastBeforeExecAndNoNewPrivsComesFirst) {
  const int seccomp = at("seccomp.load");
  if (seccomp < 0) return;  // privileged or unconfined
  if (at("process.no-new-privileges") >= 0) {
    before("process.no-new-privileges", "landlock.restrict");
    before("process.no-new-privileges", "seccomp.load");
    before("landlock.restrict", "seccomp.load");
    // Only the init's fork and the exec follow the filter.
    for (std::size_t i = static_cast<std::size_t>(seccomp) + 1; i < plan_.steps.size(); ++i) {
      const auto& n = plan_.steps[i].name();
      EXPECT_TRUE(n == "process.init" || n == "process.exec" || n == "supervise") << n << " after seccomp.load";
    }
  } else {
    // Without NNP only CAP_SYS_ADMIN may load a filter or a Landlock ruleset.
    before("seccomp.load", "caps.bounding");
    before("landlock.restrict", "caps.bounding");
  }
  before("apparmor.exec-label", "seccomp.load");
  before("selinux.exec-label", "seccomp.load");
}

TEST_P(PlanOrder, DescriptorsAreClosedAndTheCwdCheckedBeforeExec) {
  before("process.close-fds", "process.cwd");
  before("process.cwd", "process.exec");
  before("process.new-session", "process.exec");
  EXPECT_EQ(plan_.steps.back().name() == "supervise" ? plan_.steps[plan_.steps.size() - 2].name() : plan_.steps.back().name(),
            "process.exec");
}

TEST_P(PlanOrder, AUserNamespaceIsEnteredBeforeAnythingIsMounted) {
  if (at("userns.maps") < 0) {
    EXPECT_LT(at("userns.enter"), 0);
    return;
  }
  ASSERT_GE(at("userns.enter"), 0);
  before("userns.enter", "mount.propagation");
  before("userns.enter", "net.loopback");
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, PlanOrder,
    ::testing::Values(Case{"default", {"default"}, ""}, Case{"application", {"application"}, ""},
                      Case{"system_service", {"system-service"}, ""},
                      Case{"low_level_service", {"low-level-service"}, ""}, Case{"strict", {"strict"}, ""},
                      Case{"privileged", {"privileged"}, ""},
                      Case{"no_nnp_with_landlock", {"default"},
                           "[suid]\nno_new_privileges = false\n[landlock]\nread_only = [\"/\"]\nexecute = [\"/\"]\n"},
                      Case{"rootless", {"default"}, "", true}, Case{"rootless_strict", {"strict"}, "", true}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ringfence::test
