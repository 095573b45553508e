// `extends`: multi-level chains, overriding, appending, cycles.
#include <gtest/gtest.h>

#include <algorithm>

#include "ringfence/policy/names.h"
#include "ringfence/policy/plan_json.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

using policy::CapSets;
using policy::MountsParams;
using policy::PathsParams;

policy::Compiled compile_ok(const std::string& path) {
  enter_source_dir();
  auto c = policy::compile({path});
  EXPECT_TRUE(c.ok()) << c.diags.format();
  return c;
}

std::vector<std::string> cap_list(std::uint64_t set) {
  std::vector<std::string> out;
  for (int cap = 0; cap < 64; ++cap)
    if (set & (std::uint64_t{1} << cap)) out.push_back(policy::capability_name(cap));
  return out;
}

TEST(Inheritance, ChainIsReadRootFirst) {
  auto c = compile_ok("tests/data/inherit/top.toml");
  ASSERT_TRUE(c.plan);
  EXPECT_EQ(c.plan->chain, (std::vector<std::string>{"default", "tests/data/inherit/base.toml",
                                                      "tests/data/inherit/middle.toml", "tests/data/inherit/top.toml"}));
}

TEST(Inheritance, CapabilityDeltasApplyLayerByLayer) {
  // default: Docker's 14; base: drop ALL, add CHOWN + NET_BIND_SERVICE;
  // middle: add KILL; top: drop CHOWN.
  auto c = compile_ok("tests/data/inherit/top.toml");
  const auto& caps = (*c.plan->params<policy::StepKind::CapsBounding>());
  EXPECT_EQ(cap_list(caps.bounding), (std::vector<std::string>{"CAP_KILL", "CAP_NET_BIND_SERVICE"}));
  EXPECT_EQ(caps.inheritable, 0u);
}

TEST(Inheritance, DropAllInALaterLayerForgetsEarlierAdds) {
  auto c = compile_ok("tests/data/inherit/drop-all-again.toml");
  EXPECT_EQ(cap_list((*c.plan->params<policy::StepKind::CapsBounding>()).bounding),
            (std::vector<std::string>{"CAP_SETUID"}));
}

TEST(Inheritance, ScalarsOverrideAndNamesAreNotInherited) {
  auto c = compile_ok("tests/data/inherit/top.toml");
  EXPECT_EQ(c.profile.process.hostname.value, "top-host");
  EXPECT_EQ(c.profile.process.hostname.origin.file, "tests/data/inherit/top.toml");
  EXPECT_EQ(c.profile.profile.name.value, "top");
  EXPECT_FALSE(c.profile.profile.description.is_set()) << "description came from base.toml";
  // pids_limit from middle, memory from base: the nearest layer that sets a key wins.
  EXPECT_EQ(c.profile.resources.pids_limit.value, 50);
  EXPECT_EQ(c.profile.resources.pids_limit.origin.file, "tests/data/inherit/middle.toml");
  EXPECT_EQ(c.profile.resources.memory.value.bytes, 512 * 1024 * 1024);
  EXPECT_EQ(c.profile.resources.memory.origin.file, "tests/data/inherit/base.toml");
}

TEST(Inheritance, ListsReplaceUnlessTheyNameTheInheritedEntries) {
  auto top = compile_ok("tests/data/inherit/top.toml");
  EXPECT_EQ((*top.plan->params<policy::StepKind::MountMaskedPaths>()).paths,
            (std::vector<std::string>{"/proc/kcore", "/proc/scsi"}));
  // Each entry keeps the file and line it was written at.
  const auto& masked = top.profile.filesystem.masked_paths.value;
  ASSERT_EQ(masked.size(), 2u);
  EXPECT_EQ(masked[0].loc.file, "tests/data/inherit/base.toml");
  EXPECT_EQ(masked[1].loc.file, "tests/data/inherit/middle.toml");
  auto replaced = compile_ok("tests/data/inherit/replace.toml");
  EXPECT_EQ((*replaced.plan->params<policy::StepKind::MountMaskedPaths>()).paths,
            (std::vector<std::string>{"/proc/acpi"}));
}

TEST(Inheritance, BlockIoLimitsMergePerDeviceAndLimit) {
  auto c = compile_ok("tests/data/inherit/io-child.toml");
  const auto* cg = c.plan->params<policy::StepKind::CgroupCreate>();
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->io_weight, 300) << "inherited";
  ASSERT_EQ(cg->io_devices.size(), 2u);
  EXPECT_EQ(cg->io_devices[0].major, 254);
  EXPECT_EQ(cg->io_devices[0].read_bps, 2 << 20) << "the child's";
  EXPECT_EQ(cg->io_devices[0].write_iops, 100) << "the parent's, not dropped by the child's entry";
  EXPECT_FALSE(cg->io_devices[0].write_bps);
  EXPECT_EQ(cg->io_devices[1].major, 7);
  EXPECT_EQ(cg->io_devices[1].write_bps, 5 << 20);
}

TEST(Inheritance, HugepageLimitsMergePerPageSize) {
  auto c = compile_ok("tests/data/inherit/hugepages-child.toml");
  const auto* cg = c.plan->params<policy::StepKind::CgroupCreate>();
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->hugepages, (std::vector<policy::HugepageLimit>{{"2MB", 64 << 20}, {"1GB", 0}}))
      << "the child's 2MB limit, the parent's 1GB one";
  EXPECT_EQ(cg->unified, (std::map<std::string, std::string>{{"cpu.idle", "1"}, {"memory.high", "1G"}}))
      << "unified files merge one by one";
}

TEST(Inheritance, InheritMarkerInTheRootLayerMeansTheBuiltInDefault) {
  auto c = compile_text("[filesystem]\nmasked_paths = [\"...\", \"/proc/extra\"]\n");
  ASSERT_TRUE(c.ok()) << c.diags.format();
  const auto& paths = (*c.plan->params<policy::StepKind::MountMaskedPaths>()).paths;
  EXPECT_EQ(paths.front(), "/proc/asound");
  EXPECT_EQ(paths.back(), "/proc/extra");
  EXPECT_EQ(paths.size(), 11u);
}

TEST(Inheritance, TablesMergeKeyByKey) {
  auto c = compile_ok("tests/data/inherit/top.toml");
  const auto& env = c.profile.process.env.value;
  EXPECT_EQ(env.at("MODE").value, "middle");
  EXPECT_EQ(env.at("LANG").value, "C");
  EXPECT_EQ(env.count("PATH"), 1u) << "the built-in PATH stays";
}

TEST(Inheritance, VolumesAccumulateAndALaterTargetReplaces) {
  auto c = compile_ok("tests/data/inherit/top.toml");
  const auto& mounts = (*c.plan->params<policy::StepKind::MountVolumes>()).mounts;
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].target, "/data");
  EXPECT_EQ(mounts[0].source, "/srv/data2");
  EXPECT_FALSE(mounts[0].readonly);
  EXPECT_EQ(mounts[1].target, "/logs");
}

TEST(Inheritance, ChildSeccompRulesReplaceWhatLowerLayersSayAboutTheSameSyscall) {
  auto c = compile_ok("tests/data/inherit/grandchild-rules.toml");
  const auto& filter = (*c.plan->params<policy::StepKind::SeccompCompile>());
  auto rules_for = [&](const std::string& name) {
    std::vector<const policy::SeccompRule*> out;
    for (const auto& r : filter.rules)
      if (std::find(r.syscalls.begin(), r.syscalls.end(), name) != r.syscalls.end()) out.push_back(&r);
    return out;
  };
  // mkdir: the grandchild's errno(EROFS) replaced the child's notify, which
  // replaced the base's allow.
  auto mkdir = rules_for("mkdir");
  ASSERT_EQ(mkdir.size(), 1u);
  EXPECT_EQ(mkdir[0]->action.kind, policy::SeccompActionKind::Errno);
  EXPECT_EQ(mkdir[0]->action.errno_value, EROFS);
  EXPECT_EQ(mkdir[0]->from.file, "tests/data/inherit/grandchild-rules.toml");
  // mkdirat: still the child's notify with its errno.
  auto mkdirat = rules_for("mkdirat");
  ASSERT_EQ(mkdirat.size(), 1u);
  EXPECT_EQ(mkdirat[0]->action.kind, policy::SeccompActionKind::Notify);
  EXPECT_EQ(mkdirat[0]->action.errno_value, EACCES);
  // personality: only the child's single condition is left of Docker's five.
  auto personality = rules_for("personality");
  ASSERT_EQ(personality.size(), 1u);
  ASSERT_EQ(personality[0]->conditions.size(), 1u);
  // mkdir, a plain allow in the base, stays as it was for a sibling syscall.
  EXPECT_EQ(rules_for("rmdir").at(0)->action.kind, policy::SeccompActionKind::Allow);
  EXPECT_TRUE(c.plan->has(policy::StepKind::Supervise)) << "notify rules need the supervisor";
}

TEST(Inheritance, AContradictionAcrossLayersNamesBothPlaces) {
  enter_source_dir();
  auto c = policy::compile({"strict", "tests/data/inherit/base.toml"});
  EXPECT_EQ(c.diags.format(),
            "shipped:strict.toml:45:15: error: 'resources.memory_swap' (256M) is memory plus swap: it must be at "
            "least 'resources.memory' (512M, set at tests/data/inherit/base.toml:23:10)\n");
}

TEST(Inheritance, CyclesAreErrorsAtTheExtendsKey) {
  enter_source_dir();
  auto c = policy::compile({"tests/data/inherit/cycle-a.toml"});
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.diags.format(),
            "tests/data/inherit/cycle-b.toml:3:11: error: extends cycle: tests/data/inherit/cycle-a.toml -> "
            "tests/data/inherit/cycle-b.toml -> tests/data/inherit/cycle-a.toml\n");
  auto self = policy::compile({"tests/data/inherit/self.toml"});
  EXPECT_EQ(self.diags.format(), "tests/data/inherit/self.toml:3:11: error: extends cycle: "
                                 "tests/data/inherit/self.toml -> tests/data/inherit/self.toml\n");
}

TEST(Inheritance, UnknownShippedNameSuggestsTheNearest) {
  enter_source_dir();
  auto c = policy::compile({"tests/data/inherit/unknown-parent.toml"});
  EXPECT_EQ(c.diags.format(),
            "tests/data/inherit/unknown-parent.toml:3:11: error: no shipped profile named 'defualt' (did you mean "
            "'default'?); shipped profiles: default, application, system-service, low-level-service, strict, "
            "privileged\n");
}

TEST(Inheritance, StackedProfilesOnTheCommandLineLayerInOrder) {
  enter_source_dir();
  auto c = policy::compile({"strict", "tests/data/inherit/caps-only.toml"});
  ASSERT_TRUE(c.ok()) << c.diags.format();
  // caps-only.toml (last) adds CHOWN and NET_BIND_SERVICE after strict dropped everything.
  EXPECT_EQ(cap_list((*c.plan->params<policy::StepKind::CapsBounding>()).bounding),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"}));
  EXPECT_TRUE(c.plan->has(policy::StepKind::UsernsMaps)) << "strict's user namespace stays";
}

}  // namespace
}  // namespace ringfence::test
