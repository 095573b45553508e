// A sandbox judged process by process, merged into one report: a control
// fails when it fails on any process (naming the pid), is unknown when it
// is unknown on any and fails on none, and passes only when it passes on
// every one. Judged from real facts (judge_compliance) and from hand-made
// reports.
#include <gtest/gtest.h>

#include "ringfence/audit/compliance.h"
#include "compliance_support.h"

namespace ringfence::audit {
namespace {

using test_support::find_finding;
using test_support::plan_of;

enforcer::ProcessFacts merge_facts_of(pid_t pid) { return test_support::default_like_facts(pid); }

Finding merge_finding(const std::string& control, Outcome outcome, const std::string& observed) {
  Finding f;
  f.control = control;
  f.outcome = outcome;
  f.observed = observed;
  f.expected = "expected-" + control;
  f.message = control + " message";
  return f;
}

ProcessReport merge_report_of(pid_t pid, std::vector<Finding> findings) {
  ProcessReport p;
  p.pid = pid;
  p.report.kind = Report::Kind::Compliance;
  p.report.subject = "ignored";
  p.report.profile = "default";
  p.report.findings = std::move(findings);
  return p;
}

TEST(ComplianceMerge, OneChildThatDiffersFailsTheSandboxNamingItsPid) {
  const auto plan = plan_of("default");
  auto child = merge_facts_of(4243);
  child.threads[0].cap_eff = 0xa80425fbull | (1ull << 21);  // SYS_ADMIN in CapEff, on the child only
  const std::vector<ProcessReport> judged = {
      {4242, judge_compliance(plan, merge_facts_of(4242), "x")},
      {4243, judge_compliance(plan, child, "x")},
      {4244, judge_compliance(plan, merge_facts_of(4244), "x")},
  };
  const Report r = merge_process_reports(judged, "sandbox:web");
  EXPECT_EQ(r.subject, "sandbox:web");
  EXPECT_EQ(r.profile, "default");
  EXPECT_EQ(r.kind, Report::Kind::Compliance);
  ASSERT_EQ(r.findings.size(), judged.front().report.findings.size()) << "one finding per control";

  const Finding* cap = find_finding(r, "RF-CAP-007");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->outcome, Outcome::Fail);
  EXPECT_EQ(cap->observed.rfind("pid 4243: CapEff=00000000a82425fb on tid 4243", 0), 0u) << cap->observed;
  EXPECT_EQ(cap->observed.find("pid 4242"), std::string::npos) << "only the processes that fail: " << cap->observed;
  EXPECT_EQ(cap->expected, "00000000a80425fb");
  EXPECT_NE(cap->message.find("1 of 3 processes: pid 4243"), std::string::npos) << cap->message;
  EXPECT_EQ(find_finding(r, "RF-CAP-001")->outcome, Outcome::Fail);

  // What holds on all three passes, said of all three.
  const Finding* nnp = find_finding(r, "RF-PRIV-002");
  ASSERT_NE(nnp, nullptr);
  EXPECT_EQ(nnp->outcome, Outcome::Pass);
  EXPECT_EQ(nnp->observed.rfind("pid 4242: ", 0), 0u) << nnp->observed;
  EXPECT_NE(nnp->observed.find("holds on 2 other processes too"), std::string::npos) << nnp->observed;
  EXPECT_FALSE(all_pass(r));

  // Without the child, the sandbox passes what the child failed.
  const Report without = merge_process_reports({judged[0], judged[2]}, "sandbox:web");
  EXPECT_EQ(find_finding(without, "RF-CAP-007")->outcome, Outcome::Pass);
}

TEST(ComplianceMerge, FailBeatsUnknownBeatsPass) {
  const Report r = merge_process_reports(
      {merge_report_of(1, {merge_finding("RF-A", Outcome::Pass, "a1"), merge_finding("RF-B", Outcome::Pass, "b1"),
                           merge_finding("RF-C", Outcome::Unknown, "c1")}),
       merge_report_of(2, {merge_finding("RF-A", Outcome::Unknown, "a2"), merge_finding("RF-B", Outcome::Pass, "b2"),
                           merge_finding("RF-C", Outcome::Fail, "c2")}),
       merge_report_of(3, {merge_finding("RF-A", Outcome::Pass, "a3"), merge_finding("RF-B", Outcome::Pass, "b3"),
                           merge_finding("RF-C", Outcome::Unknown, "c3")})},
      "sandbox:s");
  ASSERT_EQ(r.findings.size(), 3u);
  EXPECT_EQ(r.findings[0].control, "RF-A");
  EXPECT_EQ(r.findings[0].outcome, Outcome::Unknown);
  EXPECT_EQ(r.findings[0].observed, "pid 2: a2");
  EXPECT_EQ(r.findings[1].outcome, Outcome::Pass);
  EXPECT_EQ(r.findings[1].observed, "pid 1: b1; holds on 2 other processes too");
  EXPECT_EQ(r.findings[1].message, "RF-B message on 3 processes");
  EXPECT_EQ(r.findings[2].outcome, Outcome::Fail);
  EXPECT_EQ(r.findings[2].observed, "pid 2: c2") << "the unknowns of the others are not the reason";
  EXPECT_EQ(r.findings[2].message, "RF-C message (1 of 3 processes: pid 2)");
  EXPECT_EQ(r.findings[2].expected, "expected-RF-C");
}

TEST(ComplianceMerge, ManyFailingProcessesAreCountedAfterThree) {
  std::vector<ProcessReport> judged;
  for (pid_t pid = 100; pid < 106; ++pid)
    judged.push_back(merge_report_of(pid, {merge_finding("RF-A", pid == 100 ? Outcome::Pass : Outcome::Fail,
                                                         "x" + std::to_string(pid))}));
  const Report r = merge_process_reports(judged, "s");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].outcome, Outcome::Fail);
  EXPECT_EQ(r.findings[0].observed, "pid 101: x101; pid 102: x102; pid 103: x103; and 2 other processes");
  EXPECT_EQ(r.findings[0].message, "RF-A message (5 of 6 processes: pid 101, 102, 103 and 2 more)");
}

TEST(ComplianceMerge, AControlOnlySomeProcessesGiveIsKeptInFirstSeenOrder) {
  const Report r = merge_process_reports({merge_report_of(1, {merge_finding("RF-B", Outcome::Pass, "b1")}),
                                          merge_report_of(2, {merge_finding("RF-A", Outcome::Fail, "a2"),
                                                              merge_finding("RF-B", Outcome::Pass, "b2")})},
                                         "s");
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].control, "RF-B");
  EXPECT_EQ(r.findings[1].control, "RF-A");
  EXPECT_EQ(r.findings[1].message, "RF-A message (1 of 2 processes: pid 2)");
}

TEST(ComplianceMerge, OneProcessIsItsOwnReport) {
  const auto plan = plan_of("default");
  const Report alone = judge_compliance(plan, merge_facts_of(7), "pid:7");
  const Report r = merge_process_reports({{7, alone}}, "sandbox:one");
  EXPECT_EQ(r.subject, "sandbox:one");
  ASSERT_EQ(r.findings.size(), alone.findings.size());
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    EXPECT_EQ(r.findings[i].observed, alone.findings[i].observed);
    EXPECT_EQ(r.findings[i].message, alone.findings[i].message);
    EXPECT_EQ(r.findings[i].outcome, alone.findings[i].outcome);
  }
  EXPECT_TRUE(merge_process_reports({}, "s").findings.empty());
}

}  // namespace
}  // namespace ringfence::audit
