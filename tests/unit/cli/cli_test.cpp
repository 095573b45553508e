// The ringfence command's policy verbs as a user calls them: exit codes,
// what goes to stdout and stderr, and the Docker-style flags.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "../run_shell.h"

namespace {

using ::testing::HasSubstr;

using ringfence::clitest::ShellResult;

// Runs ringfence from the source tree with stderr folded into the output.
ShellResult ringfence(const std::string& args) {
  return ringfence::clitest::run_in_source_tree(std::string(RINGFENCE_BINARY) + " " + args + " 2>&1");
}

// The one step of a JSON plan with this name. A missing or renamed step
// fails the test here, instead of leaving the checks on its parameters unrun;
// the result is then null, so those checks fail too.
nlohmann::json step_named(const nlohmann::json& plan, const std::string& name) {
  nlohmann::json found;
  int count = 0;
  for (const auto& step : plan["steps"])
    if (step["name"] == name) {
      found = step;
      ++count;
    }
  EXPECT_EQ(count, 1) << "steps named " << name << " in " << plan.dump();
  return found;
}

TEST(Cli, ValidateExitsZeroForGoodProfilesAndOneForBadOnes) {
  auto good = ringfence("validate default strict profiles/application.toml");
  EXPECT_EQ(good.status, 0) << good.out;
  EXPECT_THAT(good.out, HasSubstr("strict: ok"));
  auto bad = ringfence("validate default tests/data/bad/cap-typo.toml");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("default: ok"));
  EXPECT_THAT(bad.out, HasSubstr("tests/data/bad/cap-typo.toml:"));
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(ringfence("validate").status, 2);
  EXPECT_EQ(ringfence("plan default --format yaml").status, 2);
  EXPECT_EQ(ringfence("frobnicate").status, 2);
  EXPECT_EQ(ringfence("export default").status, 2) << "--format is required";
}

// Usage errors name what is wrong: the unknown verb (with a suggestion),
// the unknown option and not the program's arguments after it; run and
// exec exit 125 on them, as docker run does.
TEST(Cli, UsageErrorsNameTheRightThing) {
  auto verb = ringfence("lsit");
  EXPECT_EQ(verb.status, 2);
  EXPECT_THAT(verb.out, HasSubstr("unknown command 'lsit' (did you mean 'list'?)"));
  auto attach = ringfence("attach web");
  EXPECT_THAT(attach.out, HasSubstr("unknown command 'attach'"));
  auto run = ringfence("run --bogus -- /bin/true --also-not-ours");
  EXPECT_EQ(run.status, 125);
  EXPECT_THAT(run.out, HasSubstr("ringfence run: unknown option '--bogus' (the program and its arguments go after --)"));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("also-not-ours")));
  auto exec = ringfence("exec --bogus web -- /bin/true");
  EXPECT_EQ(exec.status, 125);
  auto plan = ringfence("plan --bogus default");
  EXPECT_EQ(plan.status, 2);
  EXPECT_THAT(plan.out, HasSubstr("ringfence plan: unknown option '--bogus'"));
}

// ringfence builds only the verb its command line names (main.cpp): every
// name and alias `--help` lists reaches its own verb, with or without a
// global option before it; help and the version asked before a verb still
// answer (every verb is built for them).
TEST(Cli, EveryVerbNameAndAliasReachesItsVerb) {
  auto help = ringfence("--help");
  ASSERT_EQ(help.status, 0) << help.out;
  std::istringstream lines(help.out.substr(help.out.find("Subcommands:")));
  std::string line;
  std::getline(lines, line);
  int verbs = 0;
  while (std::getline(lines, line)) {
    // "  delete, rm                  Remove stopped sandboxes..."
    std::smatch m;
    if (!std::regex_search(line, m, std::regex("^  ([a-z]+(?:, [a-z]+)*)  "))) continue;
    std::vector<std::string> names;
    std::istringstream words(m[1].str());
    for (std::string w; std::getline(words, w, ',');) names.push_back(w.substr(w.find_first_not_of(' ')));
    ++verbs;
    for (const auto& name : names) {
      auto r = ringfence(name + " --help");
      EXPECT_EQ(r.status, 0) << name << ": " << r.out;
      EXPECT_THAT(r.out, HasSubstr("Usage: ringfence " + names.front() + " ")) << name;
      auto rooted = ringfence("--root /nonexistent/ringfence-test " + name + " --help");
      EXPECT_THAT(rooted.out, HasSubstr("Usage: ringfence " + names.front() + " ")) << name;
    }
  }
  EXPECT_EQ(verbs, 16) << help.out;
  auto before = ringfence("--help run");
  EXPECT_EQ(before.status, 0);
  auto version = ringfence("--version run");
  EXPECT_TRUE(std::regex_match(version.out, std::regex("ringfence [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << version.out;
}

// -v with a relative source, as Docker takes ./dir: below the current
// directory (the helper runs ringfence from the source tree), made absolute
// before the plan; a '..' is refused, not resolved lexically.
TEST(Cli, ARelativeVolumeSourceIsBelowTheCurrentDirectory) {
  // getcwd's answer: the source tree's path without symlinks.
  const std::string source = std::filesystem::canonical(RINGFENCE_SOURCE_DIR).string() + "/tests/data";
  for (const char* spec : {"./tests/data:/data", "tests/data/:/data"}) {
    auto plan = ringfence(std::string("plan --format json -v ") + spec + " default");
    EXPECT_EQ(plan.status, 0) << plan.out;
    EXPECT_THAT(plan.out, HasSubstr("\"source\": \"" + source + "\"")) << spec;
  }
  auto climbing = ringfence("plan -v tests/../tests/data:/data default");
  EXPECT_NE(climbing.status, 0);
  EXPECT_THAT(climbing.out, HasSubstr("climbs with '..'"));
}

TEST(Cli, PlanJsonIsJsonAndTextNamesEveryStep) {
  auto json = ringfence("plan strict --format json");
  ASSERT_EQ(json.status, 0) << json.out;
  auto plan = nlohmann::json::parse(json.out);
  EXPECT_EQ(plan["profile"], "strict");
  ASSERT_FALSE(plan["steps"].empty());
  auto text = ringfence("plan strict");
  ASSERT_EQ(text.status, 0);
  for (const auto& step : plan["steps"]) EXPECT_THAT(text.out, HasSubstr(step["name"].get<std::string>()));
}

TEST(Cli, DockerFlagsOverrideAndTakeOneValueEach) {
  // The capability flag must not swallow the profile after it.
  auto r = ringfence("plan default --cap-drop=ALL --cap-add=NET_ADMIN --cap-add CHOWN --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto plan = nlohmann::json::parse(r.out);
  EXPECT_EQ(step_named(plan, "caps.bounding")["params"]["bounding"], nlohmann::json({"CAP_CHOWN", "CAP_NET_ADMIN"}));
  EXPECT_EQ(plan["profile"], "default") << "overrides do not rename the profile";
  auto typo = ringfence("validate default --cap-add NET_ADMN");
  EXPECT_EQ(typo.status, 1);
  EXPECT_THAT(typo.out, HasSubstr("--cap-add NET_ADMN: error: 'capabilities.add': unknown capability 'NET_ADMN'"));
}

TEST(Cli, PrivilegedFromTheCommandLineIsNotAContradiction) {
  auto r = ringfence("validate default --privileged");
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(Cli, ASeccompFileOnTheCommandLineIsRelativeToTheWorkingDirectory) {
  auto r = ringfence("plan default --security-opt seccomp=tests/data/podman-default-seccomp.json --format json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto plan = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(step_named(plan, "seccomp.compile")["params"]["default"]["errno"], "ENOSYS") << "podman's default";
  // Unconfined drops both seccomp steps: checked by name against the same
  // plan with a filter, so that a renamed step cannot pass as a dropped one.
  step_named(plan, "seccomp.load");
  auto unconfined = ringfence("plan default --security-opt seccomp=unconfined --format json");
  ASSERT_EQ(unconfined.status, 0) << unconfined.out;
  const auto without = nlohmann::json::parse(unconfined.out.substr(unconfined.out.find('{')));
  ASSERT_FALSE(without["steps"].empty());
  for (const auto& step : without["steps"]) {
    EXPECT_NE(step["name"], "seccomp.load");
    EXPECT_NE(step["name"], "seccomp.compile");
  }
}

TEST(Cli, ExportDockerSeccompIsJsonDockerReads) {
  auto r = ringfence("export --format docker-seccomp default");
  ASSERT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(j["archMap"][0]["architecture"], "SCMP_ARCH_X86_64");
  EXPECT_GT(j["syscalls"].size(), 5u);
  auto privileged = ringfence("export --format docker-seccomp privileged");
  EXPECT_EQ(privileged.status, 1);
  EXPECT_THAT(privileged.out, HasSubstr("no seccomp filter"));
}

TEST(Cli, ExportOciHasTheRuntimeSpecFields) {
  auto r = ringfence("export --format oci strict");
  ASSERT_EQ(r.status, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["process"]["noNewPrivileges"], true);
  // strict's maps are automatic (a block of ringfence's own range, picked
  // at the start): a user namespace, and no fixed mapping to export.
  EXPECT_THAT(j["linux"]["namespaces"].dump(), HasSubstr(R"({"type":"user"})"));
  EXPECT_FALSE(j["linux"].contains("uidMappings")) << j["linux"].dump();
  EXPECT_TRUE(j["root"]["readonly"].get<bool>());
  EXPECT_EQ(j["process"]["capabilities"]["bounding"], nlohmann::json::array());
}

TEST(Cli, PlanOciPrintsTheStepsOfABundlesConfigAndNamesItsProblems) {
  char tmpl[] = "/tmp/ringfence-plan-oci-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string mk = "mkdir " + dir + "/rootfs";
  ASSERT_EQ(system(mk.c_str()), 0);
  auto write = [&](const nlohmann::json& j) {
    FILE* f = fopen((dir + "/config.json").c_str(), "w");
    fputs(j.dump().c_str(), f);
    fclose(f);
  };
  nlohmann::json config = {{"ociVersion", "1.0.2"},
                           {"process", {{"args", {"/bin/sh"}}, {"cwd", "/"}, {"noNewPrivileges", true}}},
                           {"root", {{"path", "rootfs"}, {"readonly", true}}},
                           {"hostname", "h"},
                           {"linux", {{"namespaces", {{{"type", "mount"}}, {{"type", "uts"}}}}}}};
  write(config);
  auto ok = ringfence("plan --oci " + dir);
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("uts.hostname"));
  EXPECT_THAT(ok.out, HasSubstr("mount.readonly-root"));
  EXPECT_THAT(ok.out, HasSubstr("process.no-new-privileges"));
  config["process"]["cwd"] = "relative";
  write(config);
  auto bad = ringfence("plan --oci " + dir);
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("config.json:/process/cwd"));
  const std::string rm = "rm -rf " + dir;
  EXPECT_EQ(system(rm.c_str()), 0);
}

// The site policy as a review tool: lint names each decision of the floor
// at the place that asked, plan --oci prints the plan create would run, and
// a broken policy file is an error, never "no floor".
TEST(Cli, LintAndPlanJudgeABundleAgainstTheSitePolicy) {
  char tmpl[] = "/tmp/ringfence-lint-floor-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ASSERT_EQ(system(("mkdir " + dir + "/rootfs").c_str()), 0);
  nlohmann::json config = {
      {"ociVersion", "1.0.2"},
      {"process",
       {{"args", {"/bin/sh"}}, {"cwd", "/"}, {"capabilities", {{"bounding", {"CAP_CHOWN", "CAP_SYS_ADMIN"}}}}}},
      {"root", {{"path", "rootfs"}}},
      {"linux", {{"namespaces", {{{"type", "mount"}}, {{"type", "pid"}}}}}}};
  FILE* f = fopen((dir + "/config.json").c_str(), "w");
  fputs(config.dump().c_str(), f);
  fclose(f);
  auto policy = [&](const std::string& text) {
    FILE* p = fopen((dir + "/policy.toml").c_str(), "w");
    fputs(text.c_str(), p);
    fclose(p);
    return " --site-policy " + dir + "/policy.toml";
  };

  const std::string enforce = policy("[capabilities]\nceiling = [\"CHOWN\"]\n");
  auto refused = ringfence("lint --oci " + dir + enforce);
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("config.json:/process/capabilities/bounding/1: high RF-SITE-001: site policy (" +
                                     dir + "/policy.toml:2:11, capabilities.ceiling enforce) refuses CAP_SYS_ADMIN"));
  auto plan_refused = ringfence("plan --oci " + dir + enforce);
  EXPECT_EQ(plan_refused.status, 1);
  EXPECT_THAT(plan_refused.out, HasSubstr("error: the site policy refuses CAP_SYS_ADMIN"));

  const std::string clamp = policy("[capabilities]\nmode = \"clamp\"\nceiling = [\"CHOWN\"]\n");
  auto clamped = ringfence("plan --oci " + dir + clamp);
  EXPECT_EQ(clamped.status, 0) << clamped.out;
  EXPECT_THAT(clamped.out, HasSubstr("(oci:" + dir + "/config.json -> site:" + dir + "/policy.toml)"));
  EXPECT_THAT(clamped.out, HasSubstr("clamps CAP_SYS_ADMIN"));
  auto lint_clamped = ringfence("lint --format json --oci " + dir + clamp);
  EXPECT_THAT(lint_clamped.out, HasSubstr("RF-SITE-002"));

  const std::string broken = policy("[capabilities]\nceilin = []\n");
  auto bad = ringfence("lint --oci " + dir + broken);
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.out, HasSubstr("policy.toml:2:1"));
  EXPECT_THAT(bad.out, HasSubstr("did you mean 'ceiling'"));
  auto alone = ringfence("lint" + policy("[seccomp]\nrequired = true\n"));
  EXPECT_EQ(alone.status, 0) << alone.out;
  EXPECT_EQ(system(("rm -rf " + dir).c_str()), 0);
}

}  // namespace
