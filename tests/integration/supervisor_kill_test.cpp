// The supervisor killed with SIGKILL (issue 11, item 2): before the clone,
// during the steps, while the program runs, during the cleanup. Whatever
// moment it dies at, `list` must tell the truth about the sandbox (never
// "running" when nothing of it runs, never "stopped" while its program
// does), `delete` must remove all of it, and the audit log must still
// verify and take the next run's records.
//
// Two tests: kills after a random delay, which work in every build (the
// delay is the input; the seed is printed), and kills at named moments,
// which need the RINGFENCE_KILL_AT hook of fault-injection builds
// (runtime/src/kill_point.h).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <random>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "fault_injection.h"
#include "harness.h"
#include "leaks.h"
#include "waits.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// What `list --format json` says of one sandbox: its status and note, or
// nothing when it does not list it.
struct Listed {
  std::string status, note;
  std::optional<int> exit_status;
};

// Whether any process is in one of the sandbox's cgroups: the truth `list`
// is held to. (A child killed before it reached its cgroup dies with its
// supervisor: PR_SET_PDEATHSIG, runtime/src/child.cpp.)
bool processes_in_cgroup(const std::string& sandbox) {
  for (const auto& dir : cgroups_of(sandbox)) {
    std::ifstream procs(dir + "/cgroup.procs");
    std::string pid;
    if (procs >> pid) return true;
  }
  return false;
}

class SupervisorKill : public SandboxTest {
 protected:
  std::optional<Listed> listed(const std::string& n) {
    auto r = rf({"list", "--format", "json"});
    const auto all = nlohmann::json::parse(r.out, nullptr, false);
    if (!all.is_array()) {
      ADD_FAILURE() << "list --format json: " << r.out << r.err;
      return std::nullopt;
    }
    for (const auto& s : all)
      if (s.value("id", "") == n) {
        Listed l{s.value("status", ""), s.value("note", ""), std::nullopt};
        if (s.contains("exit_status")) l.exit_status = s["exit_status"].get<int>();
        return l;
      }
    return std::nullopt;
  }

  // `list` agrees with what runs: "running" exactly when a process of the
  // sandbox is alive. Waited for, because a child that was being set up
  // takes a moment to die with its supervisor.
  void expect_list_truthful(const std::string& n) {
    std::string last;
    const bool agrees = eventually([&] {
      const auto l = listed(n);
      const bool alive = processes_in_cgroup(n);
      last = l ? fmt::format("list says {} ({}); processes in its cgroup: {}", l->status, l->note, alive)
               : fmt::format("not listed; processes in its cgroup: {}", alive);
      if (!l) return !alive;
      return (l->status == "running") == alive;
    });
    EXPECT_TRUE(agrees) << n << ": " << last;
  }

  // delete (with --force when it runs) removes the sandbox's cgroups,
  // mounts, state and id block, and every process in it.
  // `program_may_end`: the program may end by itself meanwhile, so that a
  // delete without --force may rightly succeed.
  void expect_delete_removes_all(const std::string& n, bool program_may_end = false) {
    const auto l = listed(n);
    if (l) {
      std::vector<std::string> args = {"delete", n};
      if (l->status == "running" && program_may_end) args.push_back("--force");
      if (l->status == "running" && !program_may_end) {
        // A running sandbox is not deleted without --force.
        auto refused = rf(args);
        EXPECT_EQ(refused.status, 1) << n << ": delete without --force of a running sandbox: " << refused.err;
        args.push_back("--force");
      }
      auto d = rf(args);
      EXPECT_EQ(d.status, 0) << n << ": " << d.err;
    }
    EXPECT_THAT(cgroups_of(n), IsEmpty()) << n;
    EXPECT_FALSE(exists(state_root() + "/" + n)) << n;
    EXPECT_THAT(mounts_of(state_root(), {n}), IsEmpty()) << n;
    EXPECT_THAT(id_blocks_under(state_root() + "/" + n), IsEmpty()) << n;
    EXPECT_THAT(processes_mentioning(state_root()), IsEmpty()) << "ringfence processes left after " << n;
    EXPECT_THAT(rf({"list"}).out, ::testing::Not(HasSubstr(n)));
  }

  void expect_log_verifies() {
    auto v = rf({"audit", "verify", audit_log()});
    EXPECT_EQ(v.status, 0) << v.out << v.err;
  }

  // After a kill, a normal run records its start and stop on the same log,
  // chained to what the killed one wrote.
  void expect_next_run_chains() {
    const std::string n = name("next");
    auto r = rf({"run", "--name", n, "--rm", "--rootfs", test_rootfs(), "--", "/bin/true"});
    EXPECT_EQ(r.status, 0) << r.err;
    expect_log_verifies();
    EXPECT_THAT(read_text(audit_log()), HasSubstr("\"sandbox\":\"" + n + "\""));
  }

  // ringfence run --name N ... PROGRAM, killed by SIGKILL when `kill_after`
  // has passed (or when it kills itself at RINGFENCE_KILL_AT); returns its
  // exit status (137 once killed).
  int run_and_kill(const std::string& n, const std::vector<std::string>& program,
                   std::optional<std::chrono::microseconds> kill_after, const RunOptions& options = {}) {
    std::vector<std::string> args = {"--root", state_root(), "run", "--audit-log", audit_log(), "--name", n,
                                     "--rootfs", test_rootfs(), "--"};
    args.insert(args.end(), program.begin(), program.end());
    const pid_t pid = ringfence_async(args, options);
    if (kill_after) {
      std::this_thread::sleep_for(*kill_after);  // the input of the test, not a wait for a condition
      kill(pid, SIGKILL);
    }
    return wait_status(pid);
  }
};

TEST_F(SupervisorKill, AtRandomMomentsListTellsTheTruthAndDeleteRemovesAll) {
  const char* seed_env = std::getenv("RINGFENCE_KILL_SEED");
  const unsigned seed = seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : std::random_device{}();
  const char* rounds_env = std::getenv("RINGFENCE_KILL_ROUNDS");
  // Ten rounds in the plain build. The fault-injection (sanitizer) build
  // also kills at each named moment (SupervisorKillAt), and a round there
  // costs about 11 s of CI's time, so three random rounds are enough; the
  // soak script (scripts/soak.sh) runs many more.
  const int default_rounds = fault_injection() ? 3 : 10;
  const int rounds = rounds_env && std::atoi(rounds_env) > 0 ? std::atoi(rounds_env) : default_rounds;
  std::mt19937 random(seed);
  // A first run, not killed: the log exists and has a chain to continue,
  // and its length sets the range of delays. A run takes a few hundred
  // milliseconds on an idle machine and seconds on a loaded one; delays up
  // to twice its length fall before the clone, in the steps, while the
  // program runs and, for the program that ends after 0.3 s, in the cleanup.
  const auto began = std::chrono::steady_clock::now();
  expect_next_run_chains();
  const auto one_run =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - began).count();
  std::uniform_int_distribution<long> delay_us(0, 2 * one_run + 300000);
  fmt::print("RINGFENCE_KILL_SEED={} RINGFENCE_KILL_ROUNDS={}; delays up to {} ms\n", seed, rounds,
             (2 * one_run + 300000) / 1000);
  for (int round = 0; round < rounds; ++round) {
    const std::string n = name(fmt::format("k{}", round));
    const long delay = delay_us(random);
    SCOPED_TRACE(fmt::format("round {}, killed after {} us (seed {})", round, delay, seed));
    // A program that ends by itself half the time: killed while it runs, the
    // other half must be left running and seen so.
    const std::vector<std::string> program = round % 2 ? std::vector<std::string>{"/bin/sleep", "60"}
                                                       : std::vector<std::string>{"/bin/sleep", "0.3"};
    const int status = run_and_kill(n, program, std::chrono::microseconds(delay));
    EXPECT_TRUE(status == 137 || status == 0) << status;
    expect_list_truthful(n);
    expect_delete_removes_all(n, round % 2 == 0);
    expect_log_verifies();
  }
  expect_next_run_chains();
}

// The named moments of kill_point.h, and what each must leave.
struct Moment {
  const char* point;
  bool program_runs;  // the program outlives its supervisor
  const char* note;   // what list says of it
};

// gtest names the test by it (not by its bytes).
void PrintTo(const Moment& m, std::ostream* os) { *os << m.point; }

class SupervisorKillAt : public SupervisorKill, public ::testing::WithParamInterface<Moment> {};

TEST_P(SupervisorKillAt, ListTellsTheTruthAndDeleteRemovesAll) {
  RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION();
  const Moment m = GetParam();
  const std::string n = name(m.point);
  RunOptions options;
  options.env["RINGFENCE_KILL_AT"] = m.point;
  // At the cleanup the program has ended, with a status list must show.
  const bool ends = std::string(m.point) == "cleanup";
  const std::vector<std::string> program =
      ends ? std::vector<std::string>{"/bin/sh", "-c", "exit 3"} : std::vector<std::string>{"/bin/sleep", "60"};
  EXPECT_EQ(run_and_kill(n, program, std::nullopt, options), 137) << "killed at " << m.point;

  expect_list_truthful(n);
  const auto l = listed(n);
  ASSERT_TRUE(l) << n << " is not listed";
  EXPECT_EQ(l->status, m.program_runs ? "running" : "stopped");
  EXPECT_THAT(l->note, HasSubstr(m.note));
  if (ends) {
    EXPECT_EQ(l->exit_status, 3) << "the status the supervisor recorded before it died";
  }
  expect_delete_removes_all(n);
  // Killed at state-dir, it wrote no record: the log is made by the next run.
  if (exists(audit_log())) expect_log_verifies();
  expect_next_run_chains();
}

INSTANTIATE_TEST_SUITE_P(
    Moments, SupervisorKillAt,
    ::testing::Values(Moment{"state-dir", false, "interrupted"}, Moment{"before-clone", false, "start-up interrupted"},
                      Moment{"after-clone", false, "start-up interrupted"},
                      Moment{"child-steps", false, "start-up interrupted"},
                      Moment{"after-exec", true, "supervisor gone during start-up"},
                      Moment{"running", true, "supervisor gone"}, Moment{"cleanup", false, ""}),
    [](const ::testing::TestParamInfo<Moment>& info) {
      std::string n = info.param.point;
      for (char& c : n)
        if (c == '-') c = '_';
      return n;
    });

}  // namespace
}  // namespace ringfence::itest
