// Violations in the audit log: each seccomp notification with its rule and
// answer, none lost in a burst of 100,000, the chain intact after the
// supervisor is killed mid-burst; OOM kills and pids-limit hits.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

const std::string kNotifyProfile = std::string(RINGFENCE_SOURCE_DIR) + "/tests/data/integration/notify-mkdir.toml";

RunOptions patient(int seconds) {
  RunOptions o;
  o.timeout_seconds = seconds;
  return o;
}

class AuditEvents : public SandboxTest {
 protected:
  std::vector<nlohmann::json> events(const std::string& kind = "") {
    std::vector<nlohmann::json> out;
    std::ifstream in(audit_log());
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;  // a torn last line
      if (kind.empty() || j.value("event", "") == kind) out.push_back(std::move(j));
    }
    return out;
  }
  // ringfence run with the burst program bound read-only at /data.
  std::vector<std::string> burst_args(const std::string& sandbox, long calls) {
    return {"run",  "--name",  sandbox,          "--rootfs", test_rootfs(), "--profile", kNotifyProfile,
            "-v",   notify_burst_dir() + ":/data:ro",     "--",       notify_burst_in_sandbox(),        std::to_string(calls)};
  }
};

TEST_F(AuditEvents, EachNotificationIsRecordedWithItsRuleAndAnswer) {
  auto r = rf(run_args({"--profile", kNotifyProfile, "--tmpfs", "/tmp"}, "mkdir /tmp/a; mkdir /tmp/b; true"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto notes = events("seccomp.notify");
  ASSERT_EQ(notes.size(), 2u);
  for (const auto& n : notes) {
    EXPECT_THAT(n["syscall"].get<std::string>(), ::testing::AnyOf("mkdir", "mkdirat"));
    EXPECT_EQ(n["answer"], "EACCES");
    EXPECT_EQ(n["arch"], "x86_64");
    EXPECT_THAT(n["rule"].get<std::string>(), HasSubstr("notify-mkdir.toml:6:1"));
    EXPECT_EQ(n["args"].size(), 6u);
    EXPECT_GT(n["pid"].get<int>(), 0);
  }
  // In order, between the start and the stop.
  const auto all = events();
  ASSERT_GE(all.size(), 5u);
  EXPECT_EQ(all[1]["event"], "sandbox.start");
  EXPECT_EQ(all[2]["event"], "seccomp.notify");
  EXPECT_EQ(all.back()["event"], "sandbox.stop");
  EXPECT_EQ(rf({"audit", "verify", audit_log()}).status, 0);
}

TEST_F(AuditEvents, AHundredThousandDeniedCallsAreAllRecordedInOrder) {
#ifdef __SANITIZE_ADDRESS__
  // The optimised build makes the hundred thousand; the sanitizer build
  // checks the same path with a fifth of them (two minutes of CI's budget
  // otherwise, for nothing the smaller burst does not reach).
  constexpr long kCalls = 20000;
#else
  constexpr long kCalls = 100000;
#endif
  auto r = rf(burst_args(name("burst"), kCalls), patient(300));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("denied={} other=0", kCalls)));
  const auto notes = events("seccomp.notify");
  ASSERT_EQ(notes.size(), static_cast<std::size_t>(kCalls));
  // The mode argument carries the call's index: every one, in order.
  for (long i = 0; i < kCalls; ++i)
    ASSERT_EQ(notes[static_cast<std::size_t>(i)]["args"][2], fmt::format("0x{:x}", i)) << "record " << i;
  // Every line is in the chain: the create, start and stop, the calls, and
  // whatever else the run recorded (under the sanitizers, a supervisor that
  // could not confirm the end of the kernel's records says so).
  // 100,000 records to hash: patient, as the run (a sanitizer build on a
  // loaded machine took more than the default minute).
  auto verify = rf({"audit", "verify", audit_log()}, patient(300));
  EXPECT_EQ(verify.status, 0) << verify.out;
  const auto lines = events().size();
  EXPECT_GE(lines, static_cast<std::size_t>(kCalls + 3));
  EXPECT_THAT(verify.out, HasSubstr(fmt::format("intact, {} records", lines)));
}

// `run --audit-fsync record` holds for what `exec` starts in the sandbox
// too: each refused call's record is written and fsync'd on its own. strace
// counts the fsyncs of exec's supervisor (the process it starts as): one per
// record, against a handful per burst in batches.
TEST_F(AuditEvents, ExecKeepsTheSandboxsFsyncPolicy) {
  if (!exists("/usr/bin/strace")) GTEST_SKIP() << "strace is not installed";
  auto fsyncs_of_exec = [&](const std::string& sandbox, const std::vector<std::string>& run_flags) {
    std::vector<std::string> args = {"run", "--name", sandbox, "--detach", "--rootfs", test_rootfs(),
                                     "--profile", kNotifyProfile, "-v", notify_burst_dir() + ":/data:ro"};
    args.insert(args.end(), run_flags.begin(), run_flags.end());
    args.insert(args.end(), {"--", "/bin/sleep", "60"});
    EXPECT_EQ(rf(args).status, 0);
    TempDir out("ringfence-fsync");
    int status = -1;
    // LeakSanitizer cannot run under ptrace (the sanitizer build's exit
    // would be its failure, not exec's).
    shell("ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" strace -qq -c -e trace=fsync -o " +
              out / "count" + " " + RINGFENCE_BINARY + " --root " + state_root() +
              " exec " + sandbox + " -- " + notify_burst_in_sandbox() + " 300 >/dev/null 2>&1",
          &status);
    EXPECT_EQ(status, 0);
    // The summary's line: "100.00  0.01  46  303  fsync".
    std::istringstream lines(read_text(out / "count"));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
      if (!w.empty() && w.back() == "fsync" && w.size() >= 5) return std::stoi(w[3]);
    }
    return -1;
  };
  const int record = fsyncs_of_exec(name("fsync-record"), {"--audit-fsync", "record"});
  const int batch = fsyncs_of_exec(name("fsync-batch"), {});
  EXPECT_GE(record, 300) << "one fsync per refused call's record";
  EXPECT_GE(batch, 1);
  EXPECT_LT(batch, 100) << "the default writes them in batches";
  EXPECT_EQ(events("seccomp.notify").size(), 600u);
}

TEST_F(AuditEvents, KillingTheSupervisorMidBurstLeavesAChainThatVerifies) {
  const std::string sandbox = name("killed");
  std::vector<std::string> args = burst_args(sandbox, 2000000);
  args.insert(args.begin() + 1, {"--audit-log", audit_log()});
  args.insert(args.begin(), {"--root", state_root()});
  const pid_t supervisor = ringfence_async(args);
  ASSERT_GT(supervisor, 0);
  // Let a few batches reach the file (about 2 MB: several thousand
  // records), then kill -9 in the middle of the burst. The size is watched,
  // not the records parsed, so that a slow (sanitizer) build of this test
  // does not fall behind a log that keeps growing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto size = [&] {
    std::error_code ec;  // not there yet: file_size answers -1 with ec set
    const auto n = std::filesystem::file_size(audit_log(), ec);
    return ec ? std::uintmax_t{0} : n;
  };
  while (size() < 2'000'000 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(supervisor, SIGKILL);
  wait_status(supervisor);
  // The crashed sandbox is the harness's to delete, and at once: its
  // program runs on without a supervisor, each of its notified calls now
  // failing with a record of the kernel's. That storm reaches every
  // supervisor on the host (each reads the kernel's records) and fills the
  // kernel's audit queue, where every process that writes an audit record
  // waits (a sandbox's start sets its audit session): this test's next run,
  // and other tests' under ctest -j.
  rf({"delete", "--force", sandbox});
  const std::size_t recorded = events("seccomp.notify").size();
  EXPECT_GE(recorded, 3000u);
  auto verify = rf({"audit", "verify", audit_log()});
  EXPECT_EQ(verify.status, 0) << verify.out;
  EXPECT_THAT(verify.out, HasSubstr("intact"));
  // The next writer chains on to what the killed one left.
  ASSERT_EQ(rf(run_args({}, "true")).status, 0);
  verify = rf({"audit", "verify", audit_log()});
  EXPECT_EQ(verify.status, 0) << verify.out;
}

TEST_F(AuditEvents, AnOomKillIsRecordedWithTheLimit) {
  // The shell doubles a string until the cgroup's limit kills it.
  auto r = rf(run_args({"--memory", "32m", "--memory-swap", "32m"}, "a=xxxxxxxx; while :; do a=$a$a; done"),
              patient(120));
  EXPECT_EQ(r.status, 137) << r.err;
  const auto oom = events("cgroup.oom");
  // One record per time the supervisor heard of kills: the OOM killer may
  // take more than one process, heard of once or in two steps.
  ASSERT_FALSE(oom.empty()) << r.err;
  for (const auto& o : oom) {
    EXPECT_GE(o["oom_kills"].get<int>(), 1);
    EXPECT_EQ(o["memory_limit"], std::to_string(32 * 1024 * 1024));
  }
  const auto all = events();
  EXPECT_EQ(all.back()["event"], "sandbox.stop") << "recorded before the stop";
  // And the user is told, once, unless --quiet.
  EXPECT_THAT(r.err, HasSubstr("OOM killer killed")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("memory limit (32 MiB); the exit status 137 is that kill")) << r.err;
  auto quiet = rf(run_args({"--memory", "32m", "--memory-swap", "32m", "--quiet"}, "a=xxxxxxxx; while :; do a=$a$a; done"),
                  patient(120));
  EXPECT_EQ(quiet.status, 137);
  EXPECT_THAT(quiet.err, ::testing::Not(HasSubstr("OOM"))) << quiet.err;
}

// An exec'd process's OOM kill is the sandbox's: its supervisor records
// it, and only it (an exec's supervisor watching the same cgroup recorded
// every kill a second time). The records add up to the cgroup's counter.
TEST_F(AuditEvents, AnOomKillDuringAnExecIsRecordedOnce) {
  const std::string n = name("oomexec");
  auto r = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--memory", "32m", "--memory-swap", "32m",
               "--", "/bin/sleep", "1000"});
  ASSERT_EQ(r.status, 0) << r.err;
  r = rf({"exec", n, "--", "/bin/sh", "-c", "a=xxxxxxxx; while :; do a=$a$a; done"}, patient(120));
  EXPECT_EQ(r.status, 137) << r.err;
  // cgroup v1 (this machine), else v2.
  std::string control = read_text("/sys/fs/cgroup/memory/ringfence/" + n + "/memory.oom_control");
  if (control.empty()) control = read_text("/sys/fs/cgroup/ringfence/" + n + "/memory.events");
  const auto at = control.find("oom_kill ");
  ASSERT_NE(at, std::string::npos) << control;
  const long kills = std::stol(control.substr(at + 9));
  ASSERT_EQ(rf({"kill", n}).status, 0);
  ASSERT_EQ(rf({"delete", "--force", n}).status, 0);
  long recorded = 0;
  for (const auto& o : events("cgroup.oom")) recorded += o["oom_kills"].get<long>();
  EXPECT_EQ(recorded, kills);
}

TEST_F(AuditEvents, APidsLimitHitIsRecordedWithTheLimit) {
  // busybox sh gives up (status 2) when a fork fails: that is the program's
  // business; ringfence itself must not have failed.
  auto r = rf(run_args({"--pids-limit", "6"}, "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; wait"), patient(120));
  ASSERT_NE(r.status, 125) << r.err;
  const auto hits = events("cgroup.pids-limit");
  ASSERT_FALSE(hits.empty());
  EXPECT_GE(hits[0]["refused_forks"].get<int>(), 1);
  EXPECT_EQ(hits[0]["pids_limit"], "6");
  EXPECT_THAT(r.err, HasSubstr("refused at the sandbox's pids limit (6, the init included)")) << r.err;
}

}  // namespace
}  // namespace ringfence::itest
