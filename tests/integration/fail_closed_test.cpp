// Fail closed: make every step of every shipped profile's plan fail in turn
// (RINGFENCE_FAIL_STEP, honoured by builds with fault injection only: the ASan
// build of scripts/test.sh). Each run must exit
// 125, name the step, and never start the program, whose first act would be
// to leave a marker file where the test can see it.
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include <gmock/gmock.h>

#include "fault_injection.h"
#include "harness.h"
#include "ringfence/policy/compiler.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class FailClosed : public SandboxTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(FailClosed, EveryStepFailingStopsTheProgramFromStarting) {
  RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION();
  ASSERT_EQ(chdir(RINGFENCE_SOURCE_DIR), 0);
  // The profile, and the Landlock rule that lets the marker be written
  // when its plan restricts the filesystem.
  auto profiles_for = [](const std::string& profile) {
    std::vector<std::string> profiles = {profile};
    auto plain = policy::compile(profiles, {}, {test_rootfs(), ""});
    if (plain.ok() && plain.plan->has(policy::StepKind::LandlockRestrict))
      profiles.push_back("tests/data/integration/landlock-out.toml");
    return profiles;
  };
  const std::vector<std::string> profiles = profiles_for(GetParam());
  policy::CompileOptions options;
  options.rootfs = test_rootfs();
  auto compiled = policy::compile(profiles, {}, options);
  ASSERT_TRUE(compiled.ok()) << compiled.diags.format();

  // Under the sanitizers every run costs a second or more of CI's budget:
  // a step the default profile's walk fails is not failed again for the
  // other profiles there (the failure path is the step's, whatever the
  // profile). A non-sanitizer build with injection on (configured by hand)
  // walks every step of every profile.
  std::set<std::string> walked_elsewhere;
#ifdef __SANITIZE_ADDRESS__
  if (GetParam() != "default") {
    auto by_default = policy::compile(profiles_for("default"), {}, options);
    ASSERT_TRUE(by_default.ok()) << by_default.diags.format();
    for (const auto& step : by_default.plan->steps) walked_elsewhere.emplace(step.name());
  }
#endif

  TempDir out;
  chmod(out.path().c_str(), 0777);  // a user namespace's root is someone else out here
  auto run = [&](const std::string& fail_step) {
    std::vector<std::string> args = {"run", "--name", name("walk"), "--rootfs", test_rootfs()};
    for (const auto& p : profiles) args.insert(args.end(), {"--profile", p});
    args.insert(args.end(), {"-v", out.path() + ":/out", "--", "/bin/sh", "-c", "touch /out/marker"});
    RunOptions o;
    if (!fail_step.empty()) o.env["RINGFENCE_FAIL_STEP"] = fail_step;
    return rf(args, o);
  };

  // The marker works: without a failure the program writes it.
  auto control = run("");
  ASSERT_EQ(control.status, 0) << control.err;
  ASSERT_TRUE(exists(out / "marker")) << "the control run left no marker";
  ASSERT_EQ(unlink((out / "marker").c_str()), 0);

  int walked = 0, skipped = 0;
  for (const auto& step : compiled.plan->steps) {
    const std::string name(step.name());
    if (walked_elsewhere.count(name)) {
      ++skipped;
      continue;
    }
    auto r = run(name);
    EXPECT_EQ(r.status, 125) << name << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("step '" + name + "' failed: injected failure")) << name;
    EXPECT_FALSE(exists(out / "marker")) << "the program ran although '" << name << "' failed";
    unlink((out / "marker").c_str());
    ++walked;
  }
  RecordProperty("steps_walked", walked);
  EXPECT_EQ(walked + skipped, static_cast<int>(compiled.plan->steps.size()));
}

INSTANTIATE_TEST_SUITE_P(Shipped, FailClosed, kShippedProfiles, ProfileTestName());

// The plain build, the binary users get, ignores RINGFENCE_FAIL_STEP: a
// variable in the environment is no way to make a sandbox fail, and the
// optimised build of scripts/test.sh is that binary.
class PlainBuild : public SandboxTest {};

TEST_F(PlainBuild, IgnoresRingfenceFailStep) {
  if (fault_injection()) GTEST_SKIP() << "fault injection is on in this build; the plain build checks that it is off";
  for (const char* step : {"namespaces.create", "seccomp.load", "process.exec"}) {
    RunOptions o;
    o.env["RINGFENCE_FAIL_STEP"] = step;
    auto r = rf(run_args({}, "echo ran"), o);
    EXPECT_EQ(r.status, 0) << step << ": " << r.err;
    EXPECT_EQ(r.out, "ran\n") << step;
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("injected"))) << step;
  }
}

}  // namespace
}  // namespace ringfence::itest
