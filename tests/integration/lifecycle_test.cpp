// Exit statuses, the embedded default, PID 1, signals, and the lifecycle
// verbs, on real sandboxes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "views.h"
#include "waits.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class Lifecycle : public SandboxTest {};

TEST_F(Lifecycle, ExitStatusesFollowDocker) {
  EXPECT_EQ(rf(run_args({}, "exit 0")).status, 0);
  EXPECT_EQ(rf(run_args({}, "exit 3")).status, 3);
  EXPECT_EQ(rf(run_args({}, "kill -9 $$")).status, 137);
  auto missing = rf({"run", "--rootfs", test_rootfs(), "--", "/no/such/program"});
  EXPECT_EQ(missing.status, 127);
  EXPECT_THAT(missing.err, HasSubstr("step 'process.exec' failed: /no/such/program: No such file or directory"));
  auto not_executable = rf({"run", "--rootfs", test_rootfs(), "--", "/etc/passwd"});
  EXPECT_EQ(not_executable.status, 126);
  EXPECT_THAT(not_executable.err, HasSubstr("Permission denied"));
}

TEST_F(Lifecycle, TheEmbeddedDefaultIsTheHostRootReadOnly) {
  // No --rootfs and no --profile: the README's first command.
  auto r = rf({"run", "--", "/bin/sh", "-c",
               "id -u; touch /etc/ringfence-probe 2>&1; touch /tmp/probe && echo tmp-writable; "
               "grep -E '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / ' /proc/self/mountinfo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Read-only file system"));
  EXPECT_THAT(r.out, HasSubstr("tmp-writable"));
  EXPECT_THAT(r.out, HasSubstr(" ro,nosuid,nodev")) << "the root mount is read-only, nosuid, nodev";
  EXPECT_FALSE(exists("/etc/ringfence-probe"));
}

TEST_F(Lifecycle, Pid1IsTheInitAndReapsZombies) {
  // The subshell exits at once, orphaning `sleep`, which PID 1 inherits;
  // without an init nothing would reap it and it would stay a zombie. The
  // script waits (up to 10 s) for the orphan's /proc entry to go, which only
  // a reaper makes happen, instead of sleeping a second and hoping.
  auto r = rf(run_args({}, "o=$( (sleep 0.2 >/dev/null 2>&1 & echo $!) ); i=0; "
                           "while [ -e /proc/$o ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done; "
                           "[ -e /proc/$o ] && echo \"orphan $o not reaped: $(cat /proc/$o/stat)\"; "
                           "echo pid=$$; ps -o pid,stat,comm | grep -c ' Z ' || true"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pid=2")) << "the program runs under an init as PID 2";
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("not reaped"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\n0\n")) << "no zombie: " << r.out;
}

TEST_F(Lifecycle, WithoutInitTheProgramIsPid1) {
  TempDir dir;
  const std::string profile = dir / "noinit.toml";
  FILE* f = fopen(profile.c_str(), "w");
  fputs("[profile]\nname = \"noinit\"\nextends = \"default\"\n[process]\ninit = false\n", f);
  fclose(f);
  auto r = rf(run_args({"--profile", profile}, "echo pid=$$"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pid=1"));
}

TEST_F(Lifecycle, SignalsReachTheProgramThroughTheInit) {
  TempDir out;
  chmod(out.path().c_str(), 0777);
  const std::string n = name("signals");
  const pid_t pid = ringfence_async(
      {"--root", state_root(), "run", "--audit-log", audit_log(), "--name", n, "--rootfs", test_rootfs(), "-v",
       out.path() + ":/out", "--",
       "/bin/sh", "-c", "trap 'echo got-term > /out/signal; exit 7' TERM; touch /out/ready; while :; do sleep 0.05; done"});
  for (int i = 0; i < 200 && !exists(out / "ready"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_TRUE(exists(out / "ready"));
  kill(pid, SIGTERM);  // to ringfence, which forwards it
  EXPECT_EQ(wait_status(pid), 7);
  EXPECT_EQ(read_text(out / "signal"), "got-term\n");
}

TEST_F(Lifecycle, DetachListExecKillDelete) {
  const std::string n = name("detached");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"});
  ASSERT_EQ(started.status, 0) << started.err;
  EXPECT_EQ(started.out, n + "\n");

  // The supervisor keeps CAP_KILL and nothing else while the program runs.
  const std::string supervisor_status = read_text("/proc/" + std::to_string(sandbox_supervisor(n)) + "/status");
  EXPECT_THAT(supervisor_status, HasSubstr("CapEff:\t0000000000000020"));
  EXPECT_THAT(supervisor_status, HasSubstr("CapBnd:\t0000000000000020"));

  auto list = rf({"list"});
  EXPECT_THAT(list.out, HasSubstr(n));
  EXPECT_THAT(list.out, HasSubstr("running"));
  EXPECT_THAT(list.out, HasSubstr("default"));

  // exec lands in the same namespaces as the sandbox's init (read from the
  // host: the init is not dumpable, so its /proc entry is closed inside).
  const pid_t init = sandbox_pid(n);
  ASSERT_GT(init, 0);
  for (const char* which : {"mnt", "pid", "net", "ipc", "uts", "cgroup"}) {
    char link[128] = {};
    ASSERT_GT(readlink(("/proc/" + std::to_string(init) + "/ns/" + which).c_str(), link, sizeof link - 1), 0);
    auto inside = rf({"exec", n, "--", "/bin/readlink", std::string("/proc/self/ns/") + which});
    EXPECT_EQ(inside.out, std::string(link) + "\n") << which;
    char host[128] = {};
    ASSERT_GT(readlink((std::string("/proc/self/ns/") + which).c_str(), host, sizeof host - 1), 0);
    EXPECT_STRNE(link, host) << which << " is not the host's";
  }
  auto status = rf({"exec", n, "--", "/bin/sh", "-c", "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status"});
  EXPECT_THAT(status.out, HasSubstr("NoNewPrivs:\t1"));
  EXPECT_THAT(status.out, HasSubstr("Seccomp:\t2"));
  EXPECT_THAT(status.out, HasSubstr("CapEff:\t00000000a80425fb"));

  auto refused = rf({"delete", n});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("is running"));

  EXPECT_EQ(rf({"kill", n, "TERM"}).status, 0);
  // Until the supervisor has recorded the exit status (the init may be gone
  // a moment before: list says "exiting" then).
  for (int i = 0; i < 100 && rf({"list"}).out.find("exit 143") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_THAT(rf({"list"}).out, HasSubstr("exit 143"));
  EXPECT_EQ(rf({"delete", n}).status, 0);
  EXPECT_THAT(rf({"list"}).out, ::testing::Not(HasSubstr(n)));
}

// docker stop: TERM, and KILL once the grace period is over; when it
// returns the stop is recorded, so a delete right after succeeds.
TEST_F(Lifecycle, StopTermsThenKillsAfterTheGracePeriod) {
  const std::string polite = name("polite");
  ASSERT_EQ(rf({"run", "--name", polite, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sh", "-c",
                "trap 'exit 7' TERM; while :; do sleep 0.1; done"})
                .status,
            0);
  auto stopped = rf({"stop", polite});
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  EXPECT_EQ(stopped.out, polite + "\n");
  EXPECT_THAT(stopped.err, ::testing::Not(HasSubstr("killing")));
  EXPECT_THAT(rf({"list"}).out, HasSubstr("exit 7"));
  EXPECT_EQ(rf({"delete", polite}).status, 0);

  const std::string stubborn = name("stubborn");
  ASSERT_EQ(rf({"run", "--name", stubborn, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sh", "-c",
                "trap '' TERM; exec sleep 1000"})
                .status,
            0);
  stopped = rf({"stop", "-t", "1", stubborn});
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("did not stop within 1 s: killing it"));
  EXPECT_THAT(rf({"list"}).out, HasSubstr("exit 137"));
  EXPECT_EQ(rf({"stop", stubborn}).status, 0) << "stopping a stopped sandbox is not an error";
  EXPECT_EQ(rf({"delete", stubborn}).status, 0);
  EXPECT_NE(rf({"stop", stubborn}).status, 0) << "but one that does not exist is";
}

// docker inspect's counterpart: what runs, under which plan (the hash
// `plan` prints for the same profiles and flags), its cgroup's limits and
// processes; after the end, the status it ended with.
TEST_F(Lifecycle, InspectShowsThePlanTheLimitsAndTheProcesses) {
  const std::string n = name("inspected");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "-m", "64m", "--pids-limit", "20", "--",
                "/bin/sleep", "60"})
                .status,
            0);
  auto r = rf({"inspect", n});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "running");
  EXPECT_EQ(j["limits"]["memory"], std::to_string(64 << 20));
  EXPECT_EQ(j["limits"]["pids"], "20");
  EXPECT_THAT(j["pids"].get<std::vector<int>>(), ::testing::Contains(sandbox_pid(n)));
  const auto plan = rf({"plan", "--rootfs", test_rootfs(), "-m", "64m", "--pids-limit", "20", "default"});
  EXPECT_THAT(plan.out, HasSubstr("sha256 " + j["plan_sha256"].get<std::string>()));

  ASSERT_EQ(rf({"stop", n}).status, 0);
  j = nlohmann::json::parse(rf({"inspect", n}).out);
  EXPECT_EQ(j["status"], "stopped");
  EXPECT_EQ(j["exit_status"], 143);
  EXPECT_TRUE(j["pids"].empty());
  EXPECT_EQ(rf({"delete", n}).status, 0);
  EXPECT_NE(rf({"inspect", n}).status, 0);
}

// run --timings: every step the start applied has its row (the clone is
// namespaces.create's, the exec process.exec's), the parent's and the
// child's alike, each at and after the one before it in its process, and
// the total covers them all. Without the flag nothing is printed; with
// --detach, where there is no end to print at, it is refused.
TEST_F(Lifecycle, TimingsShowEveryAppliedStep) {
  const std::string n = name("timed");
  auto r = rf({"run", "--name", n, "--timings", "--rootfs", test_rootfs(), "--", "/bin/true"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(rf({"inspect", n}).out);
  const auto applied = j["applied_steps"].get<std::vector<std::string>>();
  ASSERT_FALSE(applied.empty());
  // Rows: what, where, at, took.
  std::map<std::string, std::pair<double, double>> rows;
  std::map<std::string, double> last_end;  // per side
  double total = -1;
  std::istringstream lines(r.err);
  std::string line;
  std::regex row("^  (\\S+)(?:: .*?)? +(cli|parent|child|sandbox) +([0-9.]+) +([0-9.]+)$");
  std::regex total_row("^  total +([0-9.]+)$");
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, total_row)) total = std::stod(m[1]);
    if (!std::regex_match(line, m, row)) continue;
    const double at = std::stod(m[3]), took = std::stod(m[4]);
    rows[m[1]] = {at, took};
    EXPECT_GE(at + 0.0015, last_end[m[2]]) << "rows of one side overlap: " << line << "\n" << r.err;
    last_end[m[2]] = at + took;
  }
  for (const auto& step : applied) EXPECT_TRUE(rows.count(step)) << "no row for " << step << ":\n" << r.err;
  ASSERT_TRUE(rows.count("cleanup"));
  EXPECT_GE(total + 0.0015, rows["cleanup"].first + rows["cleanup"].second) << r.err;
  EXPECT_LT(rows["mount.rootfs"].first, rows["seccomp.load"].first) << "the child's steps are in plan order";

  auto quiet = rf({"run", "--rootfs", test_rootfs(), "--", "/bin/true"});
  EXPECT_EQ(quiet.status, 0);
  EXPECT_THAT(quiet.err, ::testing::Not(HasSubstr("timings")));
  auto detached = rf({"run", "--detach", "--timings", "--rootfs", test_rootfs(), "--", "/bin/true"});
  EXPECT_EQ(detached.status, 125);
  EXPECT_THAT(detached.err, HasSubstr("--timings cannot be used with --detach"));
  EXPECT_EQ(rf({"delete", n}).status, 0);
}

// docker logs: a detached sandbox's stdout and stderr; -f follows them
// until the sandbox ends, --tail keeps the last lines.
TEST_F(Lifecycle, LogsShowWhatADetachedSandboxWrote) {
  const std::string n = name("logged");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sh", "-c",
                "echo one; echo two >&2; sleep 0.3; echo three"})
                .status,
            0);
  auto followed = rf({"logs", "-f", n});
  EXPECT_EQ(followed.status, 0) << followed.err;
  EXPECT_EQ(followed.out, "one\ntwo\nthree\n") << "followed to the end";
  EXPECT_EQ(rf({"logs", "--tail", "1", n}).out, "three\n");
  EXPECT_EQ(rf({"logs", "--tail", "0", n}).out, "");
  EXPECT_EQ(rf({"delete", n}).status, 0);

  const std::string foreground = name("foreground");
  ASSERT_EQ(rf({"run", "--name", foreground, "--rootfs", test_rootfs(), "--", "/bin/true"}).status, 0);
  auto none = rf({"logs", foreground});
  EXPECT_NE(none.status, 0);
  EXPECT_THAT(none.err, HasSubstr("was not started with --detach"));
  EXPECT_EQ(rf({"delete", foreground}).status, 0);
}

TEST_F(Lifecycle, KillTakesTheSignalAsDockerKillDoes) {
  const std::string n = name("signalled");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"}).status, 0);
  auto twice = rf({"kill", "--signal", "USR1", n, "TERM"});
  EXPECT_NE(twice.status, 0);
  EXPECT_THAT(twice.err, HasSubstr("two signals"));
  EXPECT_EQ(rf({"kill", "-s", "TERM", n}).status, 0);
  for (int i = 0; i < 100 && rf({"list"}).out.find("exit 143") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_THAT(rf({"list"}).out, HasSubstr("exit 143"));
  EXPECT_EQ(rf({"delete", n}).status, 0);
}

// --rm: a named sandbox is removed when its program ends, so the name is
// free again at once (without a name that already happens).
TEST_F(Lifecycle, RmRemovesANamedSandboxWhenItEnds) {
  const std::string n = name("removed");
  for (int round = 0; round < 2; ++round) {
    auto r = rf({"run", "--name", n, "--rm", "--rootfs", test_rootfs(), "--", "/bin/sh", "-c", "exit 3"});
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_FALSE(exists(state_root() + "/" + n)) << "round " << round;
  }
  EXPECT_THAT(rf({"list"}).out, ::testing::Not(HasSubstr(n)));
}

TEST_F(Lifecycle, ACrashedSupervisorLeavesStateThatDeleteRemoves) {
  const std::string n = name("orphan");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"}).status, 0);
  const pid_t supervisor = sandbox_supervisor(n);
  ASSERT_GT(supervisor, 0);
  const int pidfd = open_pidfd(supervisor);
  ASSERT_GE(pidfd, 0) << strerror(errno);
  ASSERT_EQ(kill(supervisor, SIGKILL), 0);
  // list judges the supervisor by /proc: wait until it is dead and reaped.
  const bool gone = exited_and_reaped(pidfd, supervisor);
  close(pidfd);
  ASSERT_TRUE(gone) << "the supervisor " << supervisor << " outlived SIGKILL by 10 s";
  auto list = rf({"list"});
  EXPECT_THAT(list.out, HasSubstr("supervisor gone"));
  EXPECT_EQ(rf({"delete", "--force", n}).status, 0);
  EXPECT_THAT(rf({"list"}).out, ::testing::Not(HasSubstr(n)));
}

TEST_F(Lifecycle, NoDescriptorLeaksIntoTheSandbox) {
  const int leak = open("/etc/hostname", O_RDONLY);  // no O_CLOEXEC: ringfence inherits it
  ASSERT_GE(leak, 3);
  RunOptions o;
  o.extra_fds = {leak};
  auto r = rf(run_args({}, "ls /proc/self/fd"), o);
  close(leak);
  ASSERT_EQ(r.status, 0) << r.err;
  // 0-2, and the descriptor ls itself opened to list the directory.
  EXPECT_EQ(r.out, "0\n1\n2\n3\n");
}

// On cgroup v1 the sandbox's process moves itself into its cgroup (it
// writes 0 into each hierarchy's tasks file: no global lock, no RCU grace
// period), and an exec's process does the same. Both must end up in every
// hierarchy the sandbox has; --timings shows that the child made the move.
TEST_F(Lifecycle, OnCgroupV1EveryProcessMovesItselfIntoEveryHierarchy) {
  if (exists("/sys/fs/cgroup/cgroup.controllers")) GTEST_SKIP() << "this host runs cgroup v2";
  const std::string n = name("moved");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "300"});
  ASSERT_EQ(started.status, 0) << started.err;
  const std::vector<std::string> hierarchies = {"cpu", "cpuset", "memory", "devices", "pids", "freezer"};
  auto procs = [&](const std::string& h) {
    return lines_of(read_text(fmt::format("/sys/fs/cgroup/{}/ringfence/{}/cgroup.procs", h, n)));
  };
  // The init and its program.
  ASSERT_TRUE(eventually([&] { return procs("pids").size() == 2; })) << read_text("/proc/self/cgroup");
  const auto pids = procs("pids");
  for (const auto& h : hierarchies) EXPECT_EQ(procs(h), pids) << h;

  // An exec's process, seen in the sandbox's cgroup namespace (rooted at the
  // sandbox's cgroup): in its cgroup, every one of those lines is "/".
  auto exec = rf({"exec", n, "--", "/bin/cat", "/proc/self/cgroup"});
  ASSERT_EQ(exec.status, 0) << exec.err;
  int seen = 0;
  for (const auto& line : lines_of(exec.out)) {
    // ID:CONTROLLERS:PATH
    const auto first = line.find(':'), second = line.find(':', first + 1);
    ASSERT_NE(second, std::string::npos) << line;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    if (std::find(hierarchies.begin(), hierarchies.end(), controllers) == hierarchies.end()) continue;
    EXPECT_EQ(line.substr(second + 1), "/") << line;
    ++seen;
  }
  EXPECT_EQ(seen, static_cast<int>(hierarchies.size())) << exec.out;
  EXPECT_EQ(rf({"delete", "--force", n}).status, 0);

  auto timed = rf({"run", "--timings", "--rootfs", test_rootfs(), "--", "/bin/true"});
  ASSERT_EQ(timed.status, 0) << timed.err;
  EXPECT_TRUE(std::regex_search(timed.err, std::regex("\\n  cgroup\\.attach +child +[0-9.]+ +[0-9.]+\\n"))) << timed.err;
}

}  // namespace
}  // namespace ringfence::itest
