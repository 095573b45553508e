// The small supervisor's description (handover.h) reads back as written:
// a field that came back different would have the small supervisor watch
// another cgroup, answer with another filter, or remove another sandbox's
// state. One that is missing or of another version is refused.
#include "../../../runtime/src/handover.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ringfence::runtime {
namespace {

Handover sample() {
  Handover h;
  h.end = Handover::End::Run;
  h.sandbox = "web";
  h.audit_log = "/var/log/ringfence/audit.jsonl";
  h.audit_fsync_record = true;
  h.forward = true;
  h.pidfd = 4;
  h.exits = -1;
  h.state_root = "/run/ringfence";
  h.state_dir = "/run/ringfence/web";
  h.state.id = "web";
  h.state.status = "running";
  h.state.pid = 4242;
  h.state.profile = "default";
  h.state.plan_sha256 = std::string(64, 'a');
  h.state.audit_log = "/var/log/ringfence/audit.jsonl";
  h.state.audit_fsync_record = true;
  h.state.detached = true;
  h.remove = true;
  h.quiet = true;
  h.child = 4242;
  policy::SeccompFilter filter;
  filter.default_action = {policy::SeccompActionKind::Errno, 1};
  filter.arches = {"x86_64", "x86", "x32"};
  policy::SeccompRule rule;
  rule.syscalls = {"ioctl"};
  rule.action = {policy::SeccompActionKind::Notify, 13};
  rule.conditions = {{1, policy::SeccompOp::MaskedEq, 0x5412, 0xffffffff}};
  rule.from = {"/etc/ringfence/web.toml", 12, 3};
  filter.rules = {rule};
  filter.audit = true;
  h.filter = filter;
  h.supervise = policy::SuperviseParams{true, true, false};
  h.cgroup = enforcer::Cgroup{1, {{"memory", "/sys/fs/cgroup/memory/ringfence/web"}, {"pids", "/sys/fs/cgroup/pids/ringfence/web"}}};
  h.watch_cgroup = true;
  h.seen = {2, 5};
  h.listener = 5;
  h.denials = 6;
  h.output_file = 7;
  h.output_pipe = 8;
  h.report = 9;
  h.denial_source = {4242, 77};
  h.output_max = 1 << 20;
  h.restore_rgid = 0;
  return h;
}

TEST(Handover, ReadsBackAsWritten) {
  const Handover h = sample();
  const auto j = handover_json(h);
  auto back = handover_from_json(j);
  ASSERT_TRUE(back.ok()) << back.status().message;
  EXPECT_EQ(handover_json(*back), j);
  EXPECT_EQ(back->end, Handover::End::Run);
  EXPECT_EQ(back->sandbox, "web");
  EXPECT_EQ(back->audit_log, h.audit_log);
  EXPECT_TRUE(back->audit_fsync_record);
  EXPECT_EQ(back->pidfd, 4);
  EXPECT_EQ(back->exits, -1);
  EXPECT_TRUE(back->forward);
  EXPECT_EQ(back->state.id, "web");
  EXPECT_EQ(back->state.audit_log, h.state.audit_log);
  EXPECT_TRUE(back->state.audit_fsync_record);
  EXPECT_EQ(back->state_dir, h.state_dir);
  EXPECT_TRUE(back->remove);
  EXPECT_EQ(back->child, 4242);
  ASSERT_TRUE(back->filter.has_value());
  ASSERT_EQ(back->filter->rules.size(), 1u);
  EXPECT_EQ(back->filter->rules[0].action, h.filter->rules[0].action);
  EXPECT_EQ(back->filter->rules[0].conditions, h.filter->rules[0].conditions);
  EXPECT_EQ(back->filter->rules[0].from.text(), "/etc/ringfence/web.toml:12:3");
  ASSERT_TRUE(back->supervise.has_value());
  EXPECT_TRUE(back->supervise->oom);
  EXPECT_FALSE(back->supervise->pids);
  ASSERT_TRUE(back->cgroup.has_value());
  EXPECT_EQ(back->cgroup->dirs, h.cgroup->dirs);
  EXPECT_EQ(back->seen.oom_kills, 2u);
  EXPECT_EQ(back->seen.pids_max_hits, 5u);
  EXPECT_EQ(back->listener, 5);
  EXPECT_EQ(back->denials, 6);
  EXPECT_EQ(back->output_file, 7);
  EXPECT_EQ(back->output_pipe, 8);
  EXPECT_EQ(back->report, 9);
  EXPECT_EQ(back->denial_source.init, 4242);
  EXPECT_EQ(back->denial_source.session, std::optional<std::uint32_t>(77));
  EXPECT_EQ(back->output_max, 1 << 20);
  EXPECT_EQ(back->restore_rgid, 0);
}

TEST(Handover, WithoutFilterCgroupOrSessionTheyStayAbsent) {
  Handover h = sample();
  h.filter.reset();
  h.supervise.reset();
  h.cgroup.reset();
  h.denial_source.session.reset();
  auto back = handover_from_json(handover_json(h));
  ASSERT_TRUE(back.ok()) << back.status().message;
  EXPECT_FALSE(back->filter.has_value());
  EXPECT_FALSE(back->supervise.has_value());
  EXPECT_FALSE(back->cgroup.has_value());
  EXPECT_FALSE(back->denial_source.session.has_value());
}

TEST(Handover, AMonitorsEndIsItsStopEvent) {
  Handover h = sample();
  h.end = Handover::End::Monitor;
  h.forward = false;
  h.exits = 11;
  h.stop_event = R"({"event":"exec.stop","pid":4242})";
  const auto j = handover_json(h);
  EXPECT_FALSE(j.contains("state")) << "a monitor removes nothing";
  auto back = handover_from_json(j);
  ASSERT_TRUE(back.ok()) << back.status().message;
  EXPECT_EQ(back->end, Handover::End::Monitor);
  EXPECT_FALSE(back->forward);
  EXPECT_EQ(back->exits, 11);
  EXPECT_EQ(back->stop_event, h.stop_event);
  auto broken = j;
  broken["stop_event"] = "{not json";
  EXPECT_FALSE(handover_from_json(broken).ok());
}

TEST(Handover, AnIncompleteOrForeignDescriptionIsRefused) {
  const auto good = handover_json(sample());
  auto without = [&](const char* key) {
    auto j = good;
    j.erase(key);
    return j;
  };
  auto with = [&](const char* key, nlohmann::json value) {
    auto j = good;
    j[key] = std::move(value);
    return j;
  };
  auto fds_with = [&](const char* key, nlohmann::json value) {
    auto j = good;
    j["fds"][key] = std::move(value);
    return j;
  };
  for (const auto& broken : {without("v"), with("v", 2), with("end", "daemon"), without("sandbox"), without("state"),
                             without("fds"), fds_with("pidfd", -1), fds_with("listener", -7), with("child", 0),
                             with("child", "4242"), with("filter", nlohmann::json::object()),
                             with("seen", nlohmann::json::array())}) {
    SCOPED_TRACE(broken.dump().substr(0, 200));
    auto read = handover_from_json(broken);
    EXPECT_FALSE(read.ok());
  }
}

}  // namespace
}  // namespace ringfence::runtime
