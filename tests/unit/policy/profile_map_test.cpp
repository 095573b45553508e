// `audit scan --profile-map`: rules read with their places, every mistake
// an error at file:line:column, and the first matching rule chosen.
#include <gmock/gmock.h>

#include "ringfence/policy/profile_map.h"

namespace ringfence::policy {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMap = R"(
[[rule]]
engine = "kubernetes"
annotations = { "io.kubernetes.pod.namespace" = "prod-*" }
profile = "strict"

[[rule]]
image = "registry.example/*"
profile = ["default", "local/extra.toml"]

[[rule]]
engine = "docker"
benchmark = "pss-baseline"
)";

TEST(ProfileMap, FirstMatchingRuleWins) {
  Diagnostics d;
  auto map = read_profile_map(kMap, "/etc/ringfence/scan.toml", d);
  ASSERT_TRUE(map) << d.format();
  ASSERT_EQ(map->rules.size(), 3u);
  EXPECT_EQ(map->rules[0].where.file, "/etc/ringfence/scan.toml");
  EXPECT_GT(map->rules[0].where.line, 0u);

  ContainerLabels k8s{"kubernetes", "abc", "shop/web", "nginx", {{"io.kubernetes.pod.namespace", "prod-eu"}}};
  ASSERT_NE(map->match(k8s), nullptr);
  EXPECT_EQ(map->match(k8s)->profiles, std::vector<std::string>{"strict"});

  k8s.annotations["io.kubernetes.pod.namespace"] = "dev";
  EXPECT_EQ(map->match(k8s), nullptr) << "the annotation must match";

  ContainerLabels docker{"docker", "f00", "", "registry.example/app:1", {}};
  ASSERT_NE(map->match(docker), nullptr);
  // The image rule comes first; a relative path is the map's directory's.
  EXPECT_EQ(map->match(docker)->profiles,
            (std::vector<std::string>{"default", "/etc/ringfence/local/extra.toml"}));
  docker.image = "busybox";
  ASSERT_NE(map->match(docker), nullptr);
  EXPECT_EQ(map->match(docker)->benchmark, "pss-baseline");
  EXPECT_EQ(map->match({"podman", "x", "", "", {}}), nullptr);
}

TEST(ProfileMap, MistakesAreErrorsWhereTheyAre) {
  struct Case {
    const char* text;
    const char* message;
    std::uint32_t line;
  } cases[] = {
      {"[[rule]]\nengin = \"docker\"\nprofile = \"default\"\n", "unknown key 'engin' in a [[rule]] (did you mean 'engine'?)", 2},
      {"[[rule]]\nengine = \"docker\"\n", "exactly one of 'profile' and 'benchmark'", 1},
      {"[[rule]]\nprofile = \"default\"\nbenchmark = \"cis-docker\"\n", "exactly one of 'profile' and 'benchmark'", 1},
      {"[[rule]]\nbenchmark = \"cis\"\n", "unknown benchmark 'cis'", 2},
      {"[[rule]]\nimage = 3\nprofile = \"default\"\n", "'image' must be a string", 2},
      {"[rules]\nx = 1\n", "a profile map holds only [[rule]] tables", 1},
      {"[[rule]\n", "", 1},
  };
  for (const auto& c : cases) {
    Diagnostics d;
    EXPECT_FALSE(read_profile_map(c.text, "map.toml", d)) << c.text;
    ASSERT_TRUE(d.has_errors()) << c.text;
    EXPECT_THAT(d.format(), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(d.all().front().where.file, "map.toml") << c.text;
    EXPECT_EQ(d.all().front().where.line, c.line) << c.text << d.format();
  }
}

TEST(ProfileMap, AnUnreadableFileIsAnError) {
  Diagnostics d;
  EXPECT_FALSE(load_profile_map("/nonexistent/map.toml", d));
  EXPECT_THAT(d.format(), HasSubstr("cannot read the profile map"));
}

}  // namespace
}  // namespace ringfence::policy
