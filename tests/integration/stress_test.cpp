// Many sandboxes started and stopped, 20 at a time, in every way a user
// starts and stops them (issue 11, item 2): afterwards nothing of them may
// be left on the host, and the audit log must verify and hold each start
// and stop. RINGFENCE_STRESS_SANDBOXES sets how many (the soak run asks for
// 500; the default keeps the suite's run short), RINGFENCE_STRESS_PARALLEL
// how many at once.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "leaks.h"
#include "rss_sampler.h"
#include "waits.h"

namespace ringfence::itest {
namespace {

int env_number(const char* name, int fallback) {
  const char* v = std::getenv(name);
  const int n = v ? std::atoi(v) : 0;
  return n > 0 ? n : fallback;
}

// How each sandbox is started and stopped.
enum class Way {
  Foreground,      // run --name N, then delete N
  Unnamed,         // run without a name: removed when it ends
  DetachExecKill,  // run --detach, exec, kill, wait for the end, delete
  DetachForce,     // run --detach, delete --force while it runs
};
constexpr Way kWays[] = {Way::Foreground, Way::Unnamed, Way::DetachExecKill, Way::DetachForce};
// The shipped profiles, all of which run on the test rootfs.
constexpr const char* kProfiles[] = {"default", "application", "system-service", "low-level-service", "strict",
                                     "privileged"};

// Per sandbox, how many records of each event the audit log holds.
std::map<std::string, std::map<std::string, int>> records_per_sandbox(const std::string& log) {
  std::map<std::string, std::map<std::string, int>> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto r = nlohmann::json::parse(line, nullptr, false);
    if (r.is_object() && r.contains("sandbox") && r["sandbox"].is_string() && r.contains("event") &&
        r["event"].is_string())
      ++out[r["sandbox"].get<std::string>()][r["event"].get<std::string>()];
  }
  return out;
}

class Stress : public SandboxTest {
 protected:
  // One sandbox's whole life; what went wrong, or "".
  std::string one(Way way, const std::string& profile, const std::string& n) {
    const std::string rootfs = test_rootfs();
    switch (way) {
      case Way::Foreground: {
        auto r = rf({"run", "--name", n, "--profile", profile, "--rootfs", rootfs, "--", "/bin/sh", "-c", "echo hi"});
        if (r.status != 0 || r.out != "hi\n") return fmt::format("run exited {}: {}{}", r.status, r.out, r.err);
        auto d = rf({"delete", n});
        return d.status == 0 ? "" : fmt::format("delete exited {}: {}", d.status, d.err);
      }
      case Way::Unnamed: {
        auto r = rf({"run", "--profile", profile, "--rootfs", rootfs, "--", "/bin/sh", "-c", "exit 3"});
        return r.status == 3 ? "" : fmt::format("unnamed run exited {}: {}", r.status, r.err);
      }
      case Way::DetachExecKill: {
        auto r = rf({"run", "--name", n, "--detach", "--profile", profile, "--rootfs", rootfs, "--", "/bin/sleep", "60"});
        if (r.status != 0) return fmt::format("run --detach exited {}: {}", r.status, r.err);
        auto e = rf({"exec", n, "--", "/bin/echo", "inside"});
        if (e.status != 0 || e.out != "inside\n") return fmt::format("exec exited {}: {}{}", e.status, e.out, e.err);
        const pid_t supervisor = sandbox_supervisor(n);
        const int pidfd = open_pidfd(supervisor);
        if (pidfd < 0) return fmt::format("no supervisor {}", supervisor);
        auto k = rf({"kill", n});
        // Its end is recorded once the supervisor is gone: wait for that,
        // then delete needs no --force.
        const bool ended = exited_and_reaped(pidfd, supervisor, std::chrono::seconds(30));
        close(pidfd);
        if (k.status != 0 || !ended) return fmt::format("kill exited {} ({}), supervisor ended: {}", k.status, k.err, ended);
        auto d = rf({"delete", n});
        return d.status == 0 ? "" : fmt::format("delete exited {}: {}", d.status, d.err);
      }
      case Way::DetachForce: {
        auto r = rf({"run", "--name", n, "--detach", "--profile", profile, "--rootfs", rootfs, "--", "/bin/sleep", "60"});
        if (r.status != 0) return fmt::format("run --detach exited {}: {}", r.status, r.err);
        auto d = rf({"delete", "--force", n});
        return d.status == 0 ? "" : fmt::format("delete --force exited {}: {}", d.status, d.err);
      }
    }
    return "unknown way";
  }
};

TEST_F(Stress, ManySandboxesLeaveNothingAndEveryStartAndStopIsAudited) {
  const int total = env_number("RINGFENCE_STRESS_SANDBOXES", 60);
  const int parallel = env_number("RINGFENCE_STRESS_PARALLEL", 20);
  struct Planned {
    Way way;
    std::string profile, name;  // name: "" for an unnamed run
  };
  // Every profile meets every way: the profile changes every four sandboxes.
  std::vector<Planned> plan;
  for (int i = 0; i < total; ++i) {
    const Way way = kWays[i % 4];
    plan.push_back({way, kProfiles[(i / 4) % 6], way == Way::Unnamed ? "" : name(fmt::format("s{}", i))});
  }
  const std::set<std::string> fds_before = open_fds();

  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<int> next{0};
  RssSampler rss(state_root());
  const auto began = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < parallel; ++w)
      workers.emplace_back([&] {
        for (int i = next++; i < total; i = next++) {
          const Planned& p = plan[static_cast<std::size_t>(i)];
          const std::string why = one(p.way, p.profile, p.name);
          if (!why.empty()) {
            std::lock_guard lock(mu);
            failures.push_back(fmt::format("#{} ({} {}, way {}): {}", i, p.profile, p.name, static_cast<int>(p.way), why));
          }
        }
      });
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  rss.stop();
  for (const auto& f : failures) ADD_FAILURE() << f;

  // The numbers docs/reliability.md reports.
  const double rate = total / seconds;
  fmt::print("stress: {} sandboxes, {} at a time, in {:.1f} s: {:.2f} sandboxes/s; peak RSS of one ringfence process "
             "{} KiB, of all at once {} KiB ({} processes at most, {} samples)\n",
             total, parallel, seconds, rate, rss.peak_process_kib(), rss.peak_total_kib(), rss.most_at_once(),
             rss.samples());
  RecordProperty("sandboxes", total);
  RecordProperty("sandboxes_per_second", fmt::format("{:.2f}", rate));
  RecordProperty("peak_rss_kib_one_process", std::to_string(rss.peak_process_kib()));
  RecordProperty("peak_rss_kib_all", std::to_string(rss.peak_total_kib()));

  // Nothing is left: no process, zombie, descriptor, state, id block,
  // cgroup or mount.
  EXPECT_THAT(processes_mentioning(state_root()), ::testing::IsEmpty()) << "ringfence processes left";
  EXPECT_THAT(zombie_children(), ::testing::IsEmpty());
  EXPECT_EQ(open_fds(), fds_before) << "descriptors of the test process";
  EXPECT_THAT(state_dirs(state_root()), ::testing::IsEmpty());
  std::set<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(state_root(), ec))
    if (e.path().filename() != "audit.jsonl") files.insert(e.path().filename().string());
  EXPECT_THAT(files, ::testing::IsEmpty()) << "files left in the state root (logs of detached sandboxes)";
  EXPECT_THAT(id_blocks_under(state_root()), ::testing::IsEmpty());
  const auto records = records_per_sandbox(audit_log());
  std::set<std::string> everyone;
  for (const auto& [n, events] : records) everyone.insert(n);
  for (const auto& n : everyone) EXPECT_THAT(cgroups_of(n), ::testing::IsEmpty()) << n;
  EXPECT_THAT(mounts_of(state_root(), everyone), ::testing::IsEmpty());

  // The log verifies and holds each start and each stop, once.
  RunOptions patient;
  patient.timeout_seconds = 120;
  auto verify = rf({"audit", "verify", audit_log()}, patient);
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  int unnamed = 0;
  for (const auto& p : plan) unnamed += p.name.empty();
  EXPECT_EQ(static_cast<int>(records.size()), total) << "one sandbox name per sandbox in the log";
  for (const auto& p : plan) {
    if (p.name.empty()) continue;
    const auto it = records.find(p.name);
    ASSERT_NE(it, records.end()) << p.name << " is not in the audit log";
    const std::map<std::string, int>& events = it->second;
    for (const char* e : {"sandbox.create", "sandbox.start", "sandbox.stop"})
      EXPECT_EQ(events.count(e) ? events.at(e) : 0, 1) << p.name << ": " << e;
    const int execs = p.way == Way::DetachExecKill ? 1 : 0;
    EXPECT_EQ(events.count("exec.create") ? events.at("exec.create") : 0, execs) << p.name;
    EXPECT_EQ(events.count("exec.stop") ? events.at("exec.stop") : 0, execs) << p.name;
  }
  int unnamed_seen = 0;
  for (const auto& [n, events] : records) {
    if (n.rfind(fmt::format("t{}-", getpid()), 0) == 0) continue;  // a named one
    ++unnamed_seen;
    for (const char* e : {"sandbox.create", "sandbox.start", "sandbox.stop"})
      EXPECT_EQ(events.count(e) ? events.at(e) : 0, 1) << "unnamed " << n << ": " << e;
  }
  EXPECT_EQ(unnamed_seen, unnamed);
}

}  // namespace
}  // namespace ringfence::itest
