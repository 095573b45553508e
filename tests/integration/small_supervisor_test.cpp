// A detached sandbox's supervisor execs ringfence-supervisor in its place
// once the program runs (runtime/src/handover.h): the same pid, only
// CAP_KILL, not dumpable, none of ringfence's descriptors but those it
// watches, and every duty of the supervisor it replaced: the records, the
// signals, the output, the cleanup.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "fault_injection.h"
#include "harness.h"
#include "views.h"
#include "waits.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using SmallSupervisor = SandboxTest;

std::string small_supervisor_binary() {
  return (std::filesystem::path(RINGFENCE_BINARY).parent_path() / "ringfence-supervisor").string();
}

std::string exe_of(pid_t pid) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

std::vector<nlohmann::json> events_of(const std::string& log, const std::string& sandbox) {
  std::vector<nlohmann::json> events;
  for (const auto& line : lines_of(read_text(log))) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("sandbox", "") == sandbox) events.push_back(j);
  }
  return events;
}

TEST_F(SmallSupervisor, TakesOverADetachedSandboxAndCarriesItsDutiesToTheEnd) {
  const std::string n = name("small");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "-m",
                     "64m", "--", "/bin/sh", "-c", "echo out; echo err >&2; trap 'echo term; exit 7' TERM; "
                     "while :; do sleep 0.1; done"});
  ASSERT_EQ(started.status, 0) << started.err;
  // `run --detach` returns once the small supervisor reported that it is
  // set up: no wait is needed to see it.
  const pid_t supervisor = sandbox_supervisor(n);
  ASSERT_GT(supervisor, 0);
  EXPECT_EQ(exe_of(supervisor), std::filesystem::canonical(small_supervisor_binary()).string());
  const std::string status = read_text("/proc/" + std::to_string(supervisor) + "/status");
  EXPECT_THAT(status, HasSubstr("CapEff:\t0000000000000020"));
  EXPECT_THAT(status, HasSubstr("CapPrm:\t0000000000000020"));
  EXPECT_THAT(status, HasSubstr("CapBnd:\t0000000000000020"));
  EXPECT_THAT(status, HasSubstr("Gid:\t0\t0\t0\t0")) << "the real gid is put back after the exec";
  // What it holds: stdio, its signalfd and pidfd, and the descriptors it
  // watches; not the handover, not ringfence's own.
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(supervisor) + "/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    EXPECT_THAT(target, Not(HasSubstr("handover"))) << fd.path();
    EXPECT_THAT(target, Not(HasSubstr("ringfence-exec"))) << fd.path();
  }
  // Its parent's signals reach the program, and its end is recorded.
  auto stopped = rf({"stop", n});
  ASSERT_EQ(stopped.status, 0) << stopped.err;
  EXPECT_THAT(rf({"list"}).out, HasSubstr("exit 7"));
  auto logs = rf({"logs", n});
  EXPECT_THAT(logs.out, HasSubstr("out"));
  EXPECT_THAT(logs.out, HasSubstr("err"));
  EXPECT_THAT(logs.out, HasSubstr("term"));
  const auto events = events_of(audit_log(), n);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back()["event"], "sandbox.stop");
  EXPECT_EQ(events.back()["exit_status"], 7);
  auto verified = rf({"audit", "verify", audit_log()});
  EXPECT_EQ(verified.status, 0) << verified.out << verified.err;
  EXPECT_EQ(rf({"delete", n}).status, 0);
}

TEST_F(SmallSupervisor, RecordsAnOomKillAndRemovesARmSandbox) {
  const std::string n = name("small-oom");
  auto started = rf({"run", "--name", n, "--detach", "--rm", "--rootfs", test_rootfs(),
                     "-m", "16m", "--", "/bin/sh", "-c", "sleep 0.2; x=$(head -c 64000000 /dev/zero | tr '\\0' a)"});
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_TRUE(eventually([&] { return !exists(state_root() + "/" + n); }, std::chrono::seconds(20)))
      << "--rm: the state directory is removed at the end";
  bool oom = false, stop = false;
  for (const auto& e : events_of(audit_log(), n)) {
    if (e["event"] == "cgroup.oom") oom = true;
    if (e["event"] == "sandbox.stop") {
      stop = true;
      EXPECT_EQ(e["exit_status"], 137);
    }
  }
  EXPECT_TRUE(oom);
  EXPECT_TRUE(stop);
}

TEST_F(SmallSupervisor, BehindTheHostPidNamespaceItsRootIsOutOfReach) {
  // The exec resets dumpability; the small supervisor must be closed to the
  // program from its first instruction, and after.
  const std::string n = name("small-pidhost");
  auto started = rf({"run", "--name", n, "--detach", "--pid", "host", "--userns", "host", "--rootfs", test_rootfs(),
                     "--", "/bin/sh", "-c",
                     "probe() { ls /proc/$PPID/root/ >/dev/null 2>&1 && echo listed-root; "
                     "cat /proc/$PPID/environ >/dev/null 2>&1 && echo read-environ; }; "
                     // From the program's start, across the exec (comm is
                     // readable by anyone), and after it.
                     "i=0; until [ \"$(cat /proc/$PPID/comm)\" = rf-supervisor ] || [ $i -ge 5000 ]; do probe; "
                     "i=$((i+1)); done; i=0; while [ $i -lt 100 ]; do probe; i=$((i+1)); done; "
                     "echo supervisor=$(cat /proc/$PPID/comm); echo done"});
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_TRUE(eventually([&] { return rf({"list"}).out.find("exit 0") != std::string::npos; },
                         std::chrono::seconds(60)));
  const auto logs = rf({"logs", n});
  EXPECT_THAT(logs.out, HasSubstr("supervisor=rf-supervisor\ndone"));
  EXPECT_THAT(logs.out, Not(HasSubstr("listed-root")));
  EXPECT_THAT(logs.out, Not(HasSubstr("read-environ")));
  EXPECT_EQ(rf({"delete", n}).status, 0);
}

TEST_F(SmallSupervisor, RunByHandItRefusesAndWithoutItsDescriptionItStopsNothingButItself) {
  RunOptions small;
  small.binary = small_supervisor_binary();
  auto by_hand = ringfence({}, small);
  EXPECT_EQ(by_hand.status, 125);
  EXPECT_THAT(by_hand.err, HasSubstr("ringfence runs this program itself"));
  auto no_description = ringfence({"--handover", "9", "nothing"}, small);
  EXPECT_EQ(no_description.status, 125);
  EXPECT_THAT(no_description.err, HasSubstr("could not carry on"));
}

TEST_F(SmallSupervisor, WhenTheExecFailsRingfenceSupervisesItself) {
  RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION();
  const std::string n = name("small-fallback");
  RunOptions o;
  o.env["RINGFENCE_FAIL_STEP"] = "handover";
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--",
                     "/bin/sh", "-c", "trap 'exit 9' TERM; while :; do sleep 0.1; done"},
                    o);
  ASSERT_EQ(started.status, 0) << started.err;
  EXPECT_THAT(started.err, HasSubstr("exec ringfence-supervisor"));
  EXPECT_THAT(started.err, HasSubstr("ringfence itself supervises the sandbox"));
  EXPECT_EQ(exe_of(sandbox_supervisor(n)), std::filesystem::canonical(RINGFENCE_BINARY).string());
  EXPECT_THAT(read_text("/proc/" + std::to_string(sandbox_supervisor(n)) + "/status"), HasSubstr("Gid:\t0\t0\t0\t0"))
      << "the real gid is put back when the exec fails";
  ASSERT_EQ(rf({"stop", n}).status, 0);
  EXPECT_THAT(rf({"list"}).out, HasSubstr("exit 9"));
  EXPECT_EQ(events_of(audit_log(), n).back()["event"], "sandbox.stop");
  EXPECT_EQ(rf({"delete", n}).status, 0);
}

TEST_F(SmallSupervisor, OneThatCannotCarryOnStopsTheSandboxAndSaysWhy) {
  RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION();
  const std::string n = name("small-fails");
  RunOptions o;
  o.env["RINGFENCE_FAIL_STEP"] = "small-supervisor";
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "1000"}, o);
  EXPECT_EQ(started.status, 125);
  EXPECT_THAT(started.err, HasSubstr("could not carry on, so the sandbox is stopped (SIGKILL): injected failure"));
  EXPECT_FALSE(exists(state_root() + "/" + n)) << "nothing of it is left";
  const auto events = events_of(audit_log(), n);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["event"], "sandbox.stop");
  EXPECT_EQ(events.back()["exit_status"], 125);
  EXPECT_THAT(events.back()["reason"].get<std::string>(), HasSubstr("its supervisor could not carry on"));
  EXPECT_EQ(ringfence({"audit", "verify", audit_log()}).status, 0);
}

}  // namespace
}  // namespace ringfence::itest
