// The site policy floor: its file (every problem at file:line:column, and a
// broken file never half applied) and what apply_floor does to a request —
// refuse in enforce mode, tighten in clamp mode, each decision naming what
// asked and the policy key that decided.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ringfence/policy/loader.h"
#include "ringfence/policy/plan_json.h"
#include "ringfence/policy/site_policy.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

using ::testing::HasSubstr;
using policy::FloorDecision;
using policy::FloorMode;
using policy::StepKind;

std::optional<policy::SitePolicy> read_policy(const std::string& text, policy::Diagnostics& diags) {
  return policy::read_site_policy(text, "policy.toml", diags);
}

policy::SitePolicy must_read(const std::string& text) {
  policy::Diagnostics diags;
  auto p = read_policy(text, diags);
  EXPECT_TRUE(p.has_value()) << diags.format();
  return p ? *p : policy::SitePolicy{};
}

// The one error `text` gives, formatted (file:line:column: error: ...).
std::string only_error(const std::string& text) {
  policy::Diagnostics diags;
  auto p = read_policy(text, diags);
  EXPECT_FALSE(p.has_value()) << "a broken policy must not be returned";
  EXPECT_EQ(diags.error_count(), 1u) << diags.format();
  std::string out = diags.format();
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The shipped `default` profile with `request` (TOML, file "request.toml")
// on top, as `ringfence run --profile default --profile request.toml` would
// stack them.
std::vector<policy::Layer> request(const std::string& text) {
  policy::Diagnostics diags;
  auto layers = policy::load_chain("default", diags);
  auto top = policy::read_layer(text, "request.toml", 0, diags);
  EXPECT_TRUE(top.has_value()) << diags.format();
  EXPECT_FALSE(diags.has_errors()) << diags.format();
  if (top) layers.push_back(std::move(*top));
  return layers;
}

struct Judged {
  policy::Compiled compiled;
  std::vector<FloorDecision> decisions;
};

Judged judge(const std::string& policy_text, const std::string& request_text) {
  const auto floor = must_read(policy_text);
  Judged j;
  j.compiled = policy::compile_with_floor(request(request_text), {}, &floor, j.decisions);
  return j;
}

const FloorDecision* find(const std::vector<FloorDecision>& ds, const std::string& policy_key,
                          const std::string& asked = "") {
  for (const auto& d : ds)
    if (d.policy_key == policy_key && (asked.empty() || d.asked == asked)) return &d;
  return nullptr;
}

std::uint64_t bounding(const policy::Compiled& c) {
  const auto* caps = c.plan->params<StepKind::CapsBounding>();
  return caps ? caps->bounding : ~std::uint64_t{0};
}

constexpr std::uint64_t kSysAdmin = std::uint64_t{1} << 21;

// ------------------------------------------------------------------- file

TEST(SitePolicyFile, ReadsEveryKeyWithItsMode) {
  const auto p = must_read(R"(
[capabilities]
ceiling = ["CHOWN", "CAP_KILL"]

[seccomp]
required = true
audit = true
mode = "clamp"

[privileged]
allowed = false

[namespaces]
host_pid = false
host_net = false
mode = "clamp"
modes.host_pid = "enforce"

[mounts]
bind_sources = ["/srv/data/", "/srv/./other"]

[user]
namespace_required = true

[resources]
memory_max = "8g"
pids_max = 4096
cpu_max = 2.5
)");
  EXPECT_EQ(p.capabilities_ceiling.value, (std::uint64_t{1} << 0) | (std::uint64_t{1} << 5));
  EXPECT_EQ(p.capabilities_ceiling.mode, FloorMode::Enforce);  // the default
  EXPECT_EQ(p.capabilities_ceiling.where.line, 3u);
  EXPECT_EQ(p.seccomp_required.mode, FloorMode::Clamp);
  EXPECT_TRUE(p.seccomp_audit.value);
  EXPECT_EQ(p.seccomp_audit.where.line, 7u);
  EXPECT_EQ(p.host_pid.mode, FloorMode::Enforce);  // its own mode wins over its section's
  EXPECT_EQ(p.host_net.mode, FloorMode::Clamp);
  EXPECT_FALSE(p.host_ipc.is_set());
  EXPECT_EQ(p.bind_sources.value, (std::vector<std::string>{"/srv/data", "/srv/other"}));
  EXPECT_EQ(p.memory_max.value.bytes, std::int64_t{8} << 30);
  EXPECT_EQ(p.pids_max.value, 4096);
  EXPECT_DOUBLE_EQ(p.cpu_max.value.cpus, 2.5);
  EXPECT_FALSE(p.empty());
  EXPECT_TRUE(must_read("# nothing bounded\n").empty());
}

TEST(SitePolicyFile, EveryMistakeIsAnErrorAtItsPlace) {
  EXPECT_EQ(only_error("[capabilitys]\nceiling = []\n"),
            "policy.toml:1:1: error: unknown site policy section 'capabilitys' (did you mean 'capabilities'?)");
  EXPECT_EQ(only_error("[seccomp]\nrequierd = true\n"),
            "policy.toml:2:12: error: unknown key 'requierd' in [seccomp] (did you mean 'required'?)");
  EXPECT_EQ(only_error("[seccomp]\nrequired = \"yes\"\n"), "policy.toml:2:12: error: must be true or false");
  EXPECT_THAT(only_error("[capabilities]\nceiling = [\"CHOWN\", \"SYS_ADMN\"]\n"),
              HasSubstr("policy.toml:2:21: error: unknown capability 'SYS_ADMN'"));
  EXPECT_EQ(only_error("[mounts]\nbind_sources = [\"srv/data\"]\n"),
            "policy.toml:2:17: error: 'mounts.bind_sources' entries must be absolute host paths");
  EXPECT_THAT(only_error("[mounts]\nbind_sources = [\"/srv/../etc\"]\n"), HasSubstr("contains '..'"));
  EXPECT_EQ(only_error("[seccomp]\nrequired = true\nmode = \"soft\"\n"),
            "policy.toml:3:8: error: 'seccomp.mode' must be \"enforce\" or \"clamp\"");
  EXPECT_THAT(only_error("[resources]\npids_max = 10\nmodes.memory_max = \"clamp\"\n"),
              HasSubstr("gives a mode to a key that is not set"));
  EXPECT_THAT(only_error("[resources]\nmemory_max = \"lots\"\n"), HasSubstr("'resources.memory_max' must be a size"));
  EXPECT_THAT(only_error("[seccomp\nrequired = true\n"), HasSubstr("policy.toml:1:"));
}

TEST(SitePolicyFile, AGivenFileMustExistAndABrokenOneIsNeverNoFloor) {
  policy::Diagnostics diags;
  auto missing = policy::choose_site_policy("/nonexistent/ringfence-policy.toml", diags);
  EXPECT_FALSE(missing.ok);
  EXPECT_THAT(diags.format(), HasSubstr("cannot read the site policy '/nonexistent/ringfence-policy.toml'"));

  char tmpl[] = "/tmp/ringfence-policy-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(tmpl) << "[privileged]\nallowed = nope\n";
  policy::Diagnostics broken_diags;
  auto broken = policy::choose_site_policy(tmpl, broken_diags);
  EXPECT_FALSE(broken.ok);
  EXPECT_FALSE(broken.policy.has_value());
  std::ofstream(tmpl) << "[privileged]\nallowed = false\n";
  policy::Diagnostics good_diags;
  auto good = policy::choose_site_policy(tmpl, good_diags);
  EXPECT_TRUE(good.ok) << good_diags.format();
  ASSERT_TRUE(good.policy.has_value());
  EXPECT_TRUE(good.policy->privileged_allowed.is_set());
  unlink(tmpl);
}

// The example docs/oci.md shows administrators is a policy that reads.
TEST(SitePolicyFile, TheDocumentedExampleReads) {
  enter_source_dir();
  const std::string doc = read_file("docs/oci.md");
  const auto section = doc.find("## The site policy floor");
  ASSERT_NE(section, std::string::npos);
  const auto start = doc.find("```toml\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + 8);
  const auto p = must_read(doc.substr(start + 8, end - start - 8));
  EXPECT_TRUE(p.privileged_allowed.is_set() && p.capabilities_ceiling.is_set() && p.seccomp_required.is_set() &&
              p.host_pid.is_set() && p.bind_sources.is_set() && p.userns_required.is_set() && p.memory_max.is_set());
  EXPECT_EQ(p.host_pid.mode, FloorMode::Enforce);
  EXPECT_EQ(p.host_net.mode, FloorMode::Clamp);
}

// ------------------------------------------------------------------ floor

TEST(SiteFloor, AnEmptyPolicyChangesNothing) {
  policy::SitePolicy empty;
  std::vector<FloorDecision> decisions;
  const auto with = policy::compile_with_floor(request("[profile]\nname = \"req\"\n"), {}, &empty, decisions);
  const auto without = policy::compile_layers(request("[profile]\nname = \"req\"\n"));
  ASSERT_TRUE(with.ok()) << with.diags.format();
  EXPECT_TRUE(decisions.empty());
  EXPECT_EQ(policy::plan_sha256(*with.plan), policy::plan_sha256(*without.plan));
}

TEST(SiteFloor, CapabilityCeilingRefusesOrDropsWhatIsAbove) {
  const std::string ask = "[capabilities]\nadd = [\"SYS_ADMIN\"]\n";
  auto refused = judge("[capabilities]\nceiling = [\"CHOWN\", \"KILL\", \"SETUID\", \"SETGID\"]\n", ask);
  EXPECT_FALSE(refused.compiled.ok());
  const auto* d = find(refused.decisions, "capabilities.ceiling", "CAP_SYS_ADMIN");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->refused);
  // The default's own capabilities above the ceiling are refused too, each
  // at the line that granted it.
  ASSERT_NE(find(refused.decisions, "capabilities.ceiling", "CAP_DAC_OVERRIDE"), nullptr);
  EXPECT_THAT(find(refused.decisions, "capabilities.ceiling", "CAP_DAC_OVERRIDE")->where,
              HasSubstr("default.toml:"));
  EXPECT_EQ(d->where, "request.toml:2:8");  // the entry that added it
  EXPECT_EQ(d->policy_where, "policy.toml:2:11");
  EXPECT_THAT(refused.compiled.diags.format(),
              HasSubstr("request.toml:2:8: error: the site policy refuses CAP_SYS_ADMIN (capabilities.ceiling at "
                        "policy.toml:2:11, enforce)"));

  auto clamped =
      judge("[capabilities]\nmode = \"clamp\"\nceiling = [\"CHOWN\", \"KILL\", \"SETUID\", \"SETGID\"]\n", ask);
  ASSERT_TRUE(clamped.compiled.ok()) << clamped.compiled.diags.format();
  EXPECT_EQ(bounding(clamped.compiled) & kSysAdmin, 0u);
  // Every capability the default grants beyond the ceiling goes too.
  EXPECT_EQ(bounding(clamped.compiled) & ~std::uint64_t{(1 << 0) | (1 << 5) | (1 << 6) | (1 << 7)}, 0u);
  EXPECT_FALSE(policy::any_refused(clamped.decisions));
  // The plan says a floor shaped it.
  EXPECT_EQ(clamped.compiled.plan->chain.back(), "site:policy.toml");
}

TEST(SiteFloor, SeccompRequiredReplacesUnconfinedWithTheDefaultFilter) {
  const std::string ask = "[seccomp]\nenabled = false\n";
  auto refused = judge("[seccomp]\nrequired = true\n", ask);
  EXPECT_FALSE(refused.compiled.ok());
  ASSERT_NE(find(refused.decisions, "seccomp.required"), nullptr);
  EXPECT_EQ(find(refused.decisions, "seccomp.required")->where, "request.toml:2:11");

  auto clamped = judge("[seccomp]\nrequired = true\nmode = \"clamp\"\n", ask);
  ASSERT_TRUE(clamped.compiled.ok()) << clamped.compiled.diags.format();
  EXPECT_NE(clamped.compiled.plan->params<StepKind::SeccompLoad>(), nullptr);
  // Without the floor the same request has no filter: the test sees a change.
  const auto bare = policy::compile_layers(request(ask));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare.plan->params<StepKind::SeccompLoad>(), nullptr);
}

TEST(SiteFloor, SeccompAuditTurnsRecordingOnAndNeverRefuses) {
  const std::string ask = "[seccomp]\naudit = false\n";
  // In enforce mode too: recording takes nothing from the sandbox, so it is
  // turned on with no decision to warn about; the plan says where from.
  auto judged = judge("[seccomp]\naudit = true\n", ask);
  ASSERT_TRUE(judged.compiled.ok()) << judged.compiled.diags.format();
  EXPECT_TRUE(judged.compiled.plan->params<StepKind::SeccompCompile>()->audit);
  // Forced: a start that cannot record fails rather than warns.
  EXPECT_TRUE(judged.compiled.plan->params<StepKind::SeccompCompile>()->audit_required);
  EXPECT_TRUE(judged.decisions.empty());
  EXPECT_EQ(judged.compiled.plan->chain.back(), "site:policy.toml");
  EXPECT_EQ(judged.compiled.profile.seccomp.audit.origin.text(), "policy.toml:2:9");
  // Recorded already (the default): the plan is as without a floor.
  auto on = judge("[seccomp]\naudit = true\n", "[profile]\nname = \"req\"\n");
  ASSERT_TRUE(on.compiled.ok());
  EXPECT_NE(on.compiled.plan->chain.back(), "site:policy.toml");
  EXPECT_TRUE(on.compiled.plan->params<StepKind::SeccompCompile>()->audit);
  EXPECT_FALSE(on.compiled.plan->params<StepKind::SeccompCompile>()->audit_required) << "recorded by default, "
                                                                                        "not forced";
  // Without the floor the request is not recorded: the test sees a change.
  const auto bare = policy::compile_layers(request(ask));
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare.plan->params<StepKind::SeccompCompile>()->audit);
}

TEST(SiteFloor, PrivilegedIsRefusedOrTurnedOff) {
  auto refused = judge("[privileged]\nallowed = false\n", "[profile]\nprivileged = true\n");
  EXPECT_FALSE(refused.compiled.ok());
  auto clamped = judge("[privileged]\nallowed = false\nmode = \"clamp\"\n", "[profile]\nprivileged = true\n");
  ASSERT_TRUE(clamped.compiled.ok()) << clamped.compiled.diags.format();
  EXPECT_FALSE(clamped.compiled.profile.profile.privileged.value);
  EXPECT_NE(clamped.compiled.plan->params<StepKind::SeccompLoad>(), nullptr);
}

TEST(SiteFloor, HostNamespacesAreRefusedOrMadePrivate) {
  auto refused = judge("[namespaces]\nhost_net = false\n", "[network]\nmode = \"host\"\n");
  EXPECT_FALSE(refused.compiled.ok());
  ASSERT_NE(find(refused.decisions, "namespaces.host_net"), nullptr);
  EXPECT_EQ(find(refused.decisions, "namespaces.host_net")->asked, "host");

  auto clamped = judge("[namespaces]\nhost_net = false\nhost_pid = false\nmode = \"clamp\"\n",
                       "[network]\nmode = \"host\"\n[namespaces]\npid = \"host\"\n");
  ASSERT_TRUE(clamped.compiled.ok()) << clamped.compiled.diags.format();
  EXPECT_EQ(clamped.compiled.profile.network.mode.value, "none");
  EXPECT_EQ(clamped.compiled.profile.namespaces.pid.value, "private");
  EXPECT_EQ(clamped.decisions.size(), 2u);
  // What the floor allows is left alone.
  auto allowed = judge("[namespaces]\nhost_net = true\n", "[network]\nmode = \"host\"\n");
  EXPECT_TRUE(allowed.compiled.ok());
  EXPECT_TRUE(allowed.decisions.empty());
}

TEST(SiteFloor, BindSourcesAreJudgedWhereTheyResolve) {
  char tmpl[] = "/tmp/ringfence-floor-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::filesystem::create_directories(dir + "/allowed/sub");
  std::filesystem::create_directories(dir + "/allowed2");
  std::filesystem::create_symlink("/etc", dir + "/allowed/to-etc");
  const std::string floor = "[mounts]\nbind_sources = [\"" + dir + "/allowed\"]\n";
  auto volume = [](const std::string& source) {
    return "[[filesystem.volumes]]\nsource = \"" + source + "\"\ntarget = \"/data\"\n";
  };

  auto inside = judge(floor, volume(dir + "/allowed/sub"));
  EXPECT_TRUE(inside.compiled.ok()) << inside.compiled.diags.format();
  EXPECT_TRUE(inside.decisions.empty());
  // What was judged is what is mounted: the plan's source is the resolved
  // path, opened with no symlink followed.
  const auto* volumes = inside.compiled.plan->params<StepKind::MountVolumes>();
  ASSERT_NE(volumes, nullptr);
  EXPECT_EQ(volumes->mounts.at(0).source,
            std::filesystem::canonical(dir + "/allowed/sub").string());
  EXPECT_TRUE(volumes->mounts.at(0).exact);
  // Without a floor nothing is exact.
  const auto bare = policy::compile_layers(request(volume(dir + "/allowed/sub")));
  ASSERT_TRUE(bare.ok()) << bare.diags.format();
  EXPECT_FALSE(bare.plan->params<StepKind::MountVolumes>()->mounts.at(0).exact);

  // A sibling whose name starts the same is not below it.
  auto sibling = judge(floor, volume(dir + "/allowed2"));
  EXPECT_FALSE(sibling.compiled.ok());

  // A symlink inside the allowed directory is judged by where it points.
  auto through_link = judge(floor, volume(dir + "/allowed/to-etc"));
  EXPECT_FALSE(through_link.compiled.ok());
  ASSERT_NE(find(through_link.decisions, "mounts.bind_sources"), nullptr);
  EXPECT_THAT(find(through_link.decisions, "mounts.bind_sources")->asked, HasSubstr("(resolves to /etc)"));

  auto removed = judge("[mounts]\nmode = \"clamp\"\nbind_sources = [\"" + dir + "/allowed\"]\n", volume("/etc"));
  ASSERT_TRUE(removed.compiled.ok()) << removed.compiled.diags.format();
  EXPECT_TRUE(removed.compiled.profile.filesystem.volumes.items.empty());
  std::filesystem::remove_all(dir);
}

TEST(SiteFloor, ResourceCeilingsLowerWhatIsAboveAndFillWhatIsUnset) {
  auto refused = judge("[resources]\nmemory_max = \"256m\"\n", "[resources]\nmemory = \"1g\"\n");
  EXPECT_FALSE(refused.compiled.ok());
  EXPECT_EQ(find(refused.decisions, "resources.memory_max")->asked, "1G");

  // Unset is never refused: the bound is filled in, and said so.
  auto filled = judge("[resources]\nmemory_max = \"256m\"\npids_max = 100\n", "[profile]\nname = \"req\"\n");
  ASSERT_TRUE(filled.compiled.ok()) << filled.compiled.diags.format();
  EXPECT_EQ(filled.compiled.profile.resources.memory.value.bytes, std::int64_t{256} << 20);
  EXPECT_EQ(filled.compiled.profile.resources.pids_limit.value, 100);
  ASSERT_NE(find(filled.decisions, "resources.memory_max"), nullptr);
  EXPECT_EQ(policy::clamp_message(*find(filled.decisions, "resources.memory_max")),
            "site policy (policy.toml:2:14, resources.memory_max) sets resources.memory, which the request leaves "
            "unset, to 256M");

  auto lowered = judge("[resources]\nmode = \"clamp\"\npids_max = 100\ncpu_max = 1\n",
                       "[resources]\npids_limit = -1\ncpus = 4\n");
  ASSERT_TRUE(lowered.compiled.ok()) << lowered.compiled.diags.format();
  EXPECT_EQ(lowered.compiled.profile.resources.pids_limit.value, 100);
  EXPECT_DOUBLE_EQ(lowered.compiled.profile.resources.cpus.value.cpus, 1.0);
  EXPECT_EQ(find(lowered.decisions, "resources.pids_max")->asked, "unlimited");
}

TEST(SiteFloor, UserNamespaceRequiredIsRefusedWhenTurnedOffAndAddedWhenUnset) {
  auto refused = judge("[user]\nnamespace_required = true\n", "[user.namespace]\nenabled = false\n");
  EXPECT_FALSE(refused.compiled.ok());
  auto added = judge("[user]\nnamespace_required = true\n", "[profile]\nname = \"req\"\n");
  ASSERT_TRUE(added.compiled.ok()) << added.compiled.diags.format();
  EXPECT_NE(added.compiled.plan->params<StepKind::UsernsMaps>(), nullptr);
}

}  // namespace
}  // namespace ringfence::test
