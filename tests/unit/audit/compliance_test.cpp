// The compliance module's pure part: verdicts to controls. Every control it
// names is in the catalogue and judged by the audit; a failing aspect fails
// its control; an aspect that cannot be judged makes it unknown, never pass.
#include <unistd.h>

#include <gtest/gtest.h>

#include "ringfence/audit/compliance.h"
#include "ringfence/audit/controls.h"
#include "ringfence/enforcer/verify.h"
#include "ringfence/policy/compiler.h"
#include "compliance_support.h"

namespace ringfence::audit {
namespace {

using test_support::find_finding;
using test_support::default_like_facts;
using test_support::plan_of;

TEST(Compliance, EveryVerifiedStepOfEveryShippedProfileMapsToAnAuditControl) {
  for (const char* profile : {"default", "application", "system-service", "low-level-service", "strict", "privileged"}) {
    const auto plan = plan_of(profile);
    // Facts with nothing in them: every aspect of every step is produced.
    const enforcer::ProcessFacts empty;
    for (const auto& step : plan.steps)
      for (const auto& v : enforcer::verify_step(step, plan, empty)) {
        const std::string id = control_for(step.kind(), v.aspect);
        ASSERT_FALSE(id.empty()) << profile << ": " << step.name() << " / " << v.aspect;
        const Control* c = find_control(id);
        ASSERT_NE(c, nullptr) << id;
        EXPECT_TRUE(c->audit) << id << " is not judged by the audit in controls.toml";
        EXPECT_FALSE(c->evidence.empty()) << id;
      }
  }
}

TEST(Compliance, NothingReadableIsNeverAPass) {
  const auto plan = plan_of("default");
  const Report r = judge_compliance(plan, enforcer::ProcessFacts{}, "pid:1");
  EXPECT_EQ(r.kind, Report::Kind::Compliance);
  EXPECT_EQ(r.profile, "default");
  ASSERT_FALSE(r.findings.empty());
  for (const auto& f : r.findings) {
    // Settings the profile leaves to the process (a writable root under
    // `readonly_root = false` is absent here: default on the host's root
    // has the step) may pass; nothing else can without facts.
    EXPECT_NE(f.outcome, Outcome::Pass) << f.control << ": " << f.observed;
  }
  EXPECT_FALSE(all_pass(r));
}


TEST(Compliance, OneFailingAspectFailsItsControlWithObservedAndExpected) {
  const auto plan = plan_of("default");
  auto f = default_like_facts();
  Report r = judge_compliance(plan, f, "pid:10");
  const Finding* cap = find_finding(r, "RF-CAP-007");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->outcome, Outcome::Pass) << cap->observed;
  ASSERT_NE(find_finding(r, "RF-CAP-001"), nullptr);
  EXPECT_EQ(find_finding(r, "RF-CAP-001")->outcome, Outcome::Pass);

  f.threads[0].cap_bnd = 0xa80425fbull | (1ull << 21);  // --cap-add SYS_ADMIN, on one set
  r = judge_compliance(plan, f, "pid:10");
  cap = find_finding(r, "RF-CAP-007");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->outcome, Outcome::Fail);
  EXPECT_NE(cap->observed.find("CapBnd=00000000a82425fb on tid 10"), std::string::npos) << cap->observed;
  EXPECT_EQ(cap->expected, "00000000a80425fb");
  EXPECT_EQ(find_finding(r, "RF-CAP-001")->outcome, Outcome::Fail);

  f.threads[0].no_new_privs.reset();
  r = judge_compliance(plan, f, "pid:10");
  EXPECT_EQ(find_finding(r, "RF-PRIV-002")->outcome, Outcome::Unknown);
}

TEST(Compliance, ThePrivilegedProfileAllowsWhatItGrants) {
  const auto plan = plan_of("privileged");
  auto f = default_like_facts();
  f.threads[0].seccomp_mode = 0;
  f.threads[0].no_new_privs = 0;
  const Report r = judge_compliance(plan, f, "pid:10");
  ASSERT_NE(find_finding(r, "RF-SEC-001"), nullptr);
  EXPECT_EQ(find_finding(r, "RF-SEC-001")->outcome, Outcome::Pass) << "the profile loads no filter";
  EXPECT_EQ(find_finding(r, "RF-PRIV-002")->outcome, Outcome::Pass) << "the profile leaves no_new_privs off";
  // But the same facts against default: no filter and no NNP are failures.
  const Report strict = judge_compliance(plan_of("default"), f, "pid:10");
  EXPECT_EQ(find_finding(strict, "RF-SEC-001")->outcome, Outcome::Fail);
  EXPECT_EQ(find_finding(strict, "RF-PRIV-002")->outcome, Outcome::Fail);
}

}  // namespace
}  // namespace ringfence::audit
