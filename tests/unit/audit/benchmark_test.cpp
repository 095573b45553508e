// A container judged against a benchmark: only the benchmark's controls,
// none of those that compare with a profile exactly, and limits judged by
// whether any bound is set.
#include <sys/resource.h>

#include <gmock/gmock.h>

#include "compliance_support.h"
#include "ringfence/audit/compliance.h"
#include "ringfence/audit/controls.h"

namespace ringfence::audit {
namespace {

using test_support::find_finding;
using test_support::plan_of;

// What a runc container started from `runc spec` looks like: Docker's
// default capabilities minus a few, no user namespace, its own cgroup.
enforcer::ProcessFacts docker_like_facts() {
  // AUDIT_WRITE, KILL, NET_BIND_SERVICE: runc spec's three.
  enforcer::ProcessFacts f = test_support::default_like_facts(4242, 0x20000420);
  f.cgroup_version = 1;
  f.cgroup_dirs = {{"memory", "/sys/fs/cgroup/memory/t1"}, {"pids", "/sys/fs/cgroup/pids/t1"},
                   {"cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/t1"}};
  f.cgroup_files["/sys/fs/cgroup/memory/t1/memory.limit_in_bytes"] = "9223372036854771712";
  f.cgroup_files["/sys/fs/cgroup/pids/t1/pids.max"] = "max";
  f.cgroup_files["/sys/fs/cgroup/cpu,cpuacct/t1/cpu.cfs_quota_us"] = "-1";
  f.cgroup_files["/sys/fs/cgroup/cpu,cpuacct/t1/cpu.shares"] = "1024";
  f.limits = std::map<std::string, enforcer::RlimitValue>{
      {enforcer::limits_row(RLIMIT_NOFILE), {1024, 1024}}, {enforcer::limits_row(RLIMIT_CORE), {0, RLIM_INFINITY}}};
  return f;
}

TEST(Benchmark, OnlyTheBenchmarksControlsAndNoneThatCompareExactly) {
  const auto plan = plan_of("default");
  const auto facts = docker_like_facts();
  const Report cis = judge_benchmark(plan, facts, "cis-docker", "container:runc/t1");
  EXPECT_EQ(cis.subject, "container:runc/t1");
  EXPECT_EQ(cis.profile, "cis-docker (reference profile default)");
  ASSERT_FALSE(cis.findings.empty());
  for (const auto& f : cis.findings) {
    const Control* c = find_control(f.control);
    ASSERT_NE(c, nullptr) << f.control;
    EXPECT_TRUE(c->in_benchmark("cis-docker")) << f.control;
  }
  // The same facts against the profile itself: its capability set differs.
  const Report exact = judge_compliance(plan, facts, "pid:4242");
  ASSERT_NE(find_finding(exact, "RF-CAP-007"), nullptr);
  EXPECT_EQ(find_finding(exact, "RF-CAP-007")->outcome, Outcome::Fail);
  for (const char* id : {"RF-CAP-007", "RF-NS-008", "RF-SEC-002"})
    EXPECT_EQ(find_finding(cis, id), nullptr) << id << " compares with a profile the container was never given";
  // Fewer capabilities than the reference is no finding of the escape classes.
  ASSERT_NE(find_finding(cis, "RF-CAP-002"), nullptr);
  EXPECT_EQ(find_finding(cis, "RF-CAP-002")->outcome, Outcome::Pass);

  const Report baseline = judge_benchmark(plan, facts, "pss-baseline", "container:runc/t1");
  EXPECT_EQ(find_finding(baseline, "RF-FS-001"), nullptr) << "a read-only root is CIS's, not the baseline's";
  EXPECT_EQ(find_finding(baseline, "RF-RES-001"), nullptr);
  ASSERT_NE(find_finding(baseline, "RF-SEC-001"), nullptr);
  EXPECT_EQ(find_finding(baseline, "RF-SEC-001")->outcome, Outcome::Pass);
}

TEST(Benchmark, LimitsPassWhenAnyBoundIsSet) {
  const auto plan = plan_of("default");
  auto facts = docker_like_facts();
  Report r = judge_benchmark(plan, facts, "cis-docker", "c");
  for (const char* id : {"RF-RES-001", "RF-RES-002", "RF-RES-003", "RF-RLIM-001"}) {
    ASSERT_NE(find_finding(r, id), nullptr) << id;
    EXPECT_EQ(find_finding(r, id)->outcome, Outcome::Fail) << id << ": " << find_finding(r, id)->observed;
  }
  facts.cgroup_files["/sys/fs/cgroup/memory/t1/memory.limit_in_bytes"] = "268435456";  // a limit, not the profile's
  facts.cgroup_files["/sys/fs/cgroup/pids/t1/pids.max"] = "4096";
  facts.cgroup_files["/sys/fs/cgroup/cpu,cpuacct/t1/cpu.shares"] = "512";  // a weight bounds the share
  facts.limits->at(enforcer::limits_row(RLIMIT_CORE)) = {0, 0};
  r = judge_benchmark(plan, facts, "cis-docker", "c");
  for (const char* id : {"RF-RES-001", "RF-RES-002", "RF-RES-003", "RF-RLIM-001"}) {
    ASSERT_NE(find_finding(r, id), nullptr) << id;
    EXPECT_EQ(find_finding(r, id)->outcome, Outcome::Pass) << id << ": " << find_finding(r, id)->observed;
  }
  EXPECT_EQ(find_finding(r, "RF-RES-001")->observed, "memory.limit_in_bytes=268435456");

  facts.cgroup_dirs.clear();
  r = judge_benchmark(plan, facts, "cis-docker", "c");
  EXPECT_EQ(find_finding(r, "RF-RES-002")->outcome, Outcome::Unknown) << "no cgroup found is not a pass";
}

TEST(Benchmark, RestrictedIsJudgedAgainstStrict) {
  EXPECT_STREQ(reference_profile("pss-restricted"), "strict");
  EXPECT_STREQ(reference_profile("pss-baseline"), "default");
  EXPECT_STREQ(reference_profile("cis-docker"), "default");
}

}  // namespace
}  // namespace ringfence::audit
