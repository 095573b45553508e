// What -v's options and a profile's volumes put in the plan: :z/:Z become
// the SELinux file context to relabel with, only -v creates a missing
// source, and a profile's relabel must be one of the two Docker modes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ringfence/policy/overrides.h"
#include "test_support.h"

namespace ringfence::policy {
namespace {

using ::testing::HasSubstr;

Compiled with_volumes(const std::vector<std::string>& specs, const std::string& profile = "default") {
  Diagnostics diags;
  auto layers = load_chain(profile, diags, {});
  DockerFlags f;
  f.volumes = specs;
  auto layer = layer_from_flags(f, diags);
  if (layer) layers.push_back(std::move(*layer));
  Compiled c = compile_layers(std::move(layers));
  diags.append(c.diags);
  c.diags = diags;
  return c;
}

const MountEntry& only_bind(const Compiled& c) {
  const auto* m = c.plan->params<StepKind::MountVolumes>();
  EXPECT_NE(m, nullptr);
  static const MountEntry none;
  if (m == nullptr) return none;
  for (const auto& e : m->mounts)
    if (e.type == "bind") return e;
  ADD_FAILURE() << "no bind";
  return none;
}

TEST(VolumeOptions, ZAsksForTheContainersFileContext) {
  auto shared = with_volumes({"/srv/data:/data:z"});
  ASSERT_TRUE(shared.plan) << shared.diags.format();
  EXPECT_EQ(only_bind(shared).relabel, "system_u:object_r:container_file_t:s0");
  auto plain = with_volumes({"/srv/data:/data:ro"});
  ASSERT_TRUE(plain.plan);
  EXPECT_EQ(only_bind(plain).relabel, "");
  EXPECT_TRUE(only_bind(plain).readonly);
}

TEST(VolumeOptions, CapitalZTakesTheProfilesOwnLevel) {
  test::enter_source_dir();
  auto c = test::compile_text(R"([profile]
name = "mcs"
extends = "default"
[selinux]
level = "s0:c7,c9"
[[filesystem.volumes]]
source = "/srv/a"
target = "/a"
relabel = "private"
[[filesystem.volumes]]
source = "/srv/b"
target = "/b"
relabel = "shared"
)");
  ASSERT_TRUE(c.plan) << c.diags.format();
  const auto* m = c.plan->params<StepKind::MountVolumes>();
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->mounts.size(), 2u);
  EXPECT_EQ(m->mounts[0].relabel, "system_u:object_r:container_file_t:s0:c7,c9");
  EXPECT_EQ(m->mounts[1].relabel, "system_u:object_r:container_file_t:s0");
  // A profile's own volumes must exist: only -v creates.
  EXPECT_FALSE(m->mounts[0].create_source);
  EXPECT_TRUE(only_bind(with_volumes({"/srv/new:/new"})).create_source);
}

TEST(VolumeOptions, ARelabelModeOtherThanDockersIsAnError) {
  test::enter_source_dir();
  auto c = test::compile_text(R"([profile]
name = "bad"
extends = "default"
[[filesystem.volumes]]
source = "/srv/a"
target = "/a"
relabel = "yes"
)");
  EXPECT_FALSE(c.plan);
  EXPECT_THAT(c.diags.format(), HasSubstr("test.toml:7:11: error: 'filesystem.volumes.relabel' is \"shared\""));
  auto unknown = with_volumes({"/srv/a:/a:zz"});
  EXPECT_TRUE(unknown.diags.has_errors());
  EXPECT_THAT(unknown.diags.format(), HasSubstr("unknown volume option 'zz'"));
}

}  // namespace
}  // namespace ringfence::policy
