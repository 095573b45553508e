// sandbox_processes: which processes make up a sandbox. In a pid namespace
// of its own, every process in it and in the namespaces below it, not only
// the init's children; in the auditor's own pid namespace, the init's
// descendants. Needs root (CLONE_NEWPID); skips otherwise.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "ringfence/enforcer/process_facts.h"

namespace ringfence::enforcer {
namespace {

bool member_listed(const std::vector<SandboxProcess>& all, pid_t pid) {
  return std::any_of(all.begin(), all.end(), [pid](const SandboxProcess& p) { return p.pid == pid; });
}

// Polls sandbox_processes until it lists `want` members (the children
// take a moment to fork), at most 10 s.
std::vector<SandboxProcess> members_once(pid_t init, bool nested, std::size_t want) {
  std::vector<SandboxProcess> all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!sandbox_processes(init, nested, all)) return {};
    if (all.size() >= want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return all;
}

TEST(SandboxProcesses, TheInitsDescendantsInTheAuditorsOwnPidNamespace) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    const pid_t grandchild = fork();
    if (grandchild == 0) pause();
    (void)!write(ready[1], &grandchild, sizeof grandchild);
    pause();
    _exit(0);
  }
  ASSERT_GT(child, 0);
  close(ready[1]);
  pid_t grandchild = 0;
  ASSERT_EQ(read(ready[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  close(ready[0]);
  std::vector<SandboxProcess> all;
  const bool ok = static_cast<bool>(sandbox_processes(child, true, all));
  kill(grandchild, SIGKILL);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(ok);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().pid, child) << "the init first";
  EXPECT_GT(all.front().start_time, 0u);
  EXPECT_TRUE(member_listed(all, grandchild)) << "a descendant, though in the auditor's pid namespace";
  EXPECT_FALSE(member_listed(all, 1));
}

TEST(SandboxProcesses, EveryProcessOfItsPidNamespaceAndThoseBelow) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for CLONE_NEWPID";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t helper = fork();  // unshares, so that the test process keeps its namespace
  if (helper == 0) {
    if (unshare(CLONE_NEWPID) != 0) _exit(2);
    const pid_t init = fork();
    if (init == 0) {
      if (fork() == 0) pause();  // a child of the init
      if (unshare(CLONE_NEWPID) == 0 && fork() == 0) pause();  // pid 1 of a namespace below
      pause();
      _exit(0);
    }
    (void)!write(ready[1], &init, sizeof init);
    pause();
    _exit(0);
  }
  close(ready[1]);
  pid_t init = 0;
  ASSERT_EQ(read(ready[0], &init, sizeof init), static_cast<ssize_t>(sizeof init));
  close(ready[0]);
  const auto nested = members_once(init, true, 3);
  const auto flat = members_once(init, false, 2);
  kill(init, SIGKILL);  // the init of a pid namespace takes every process of it along
  kill(helper, SIGKILL);
  waitpid(helper, nullptr, 0);
  ASSERT_FALSE(nested.empty());
  EXPECT_EQ(nested.front().pid, init);
  EXPECT_EQ(nested.size(), 3u) << "the init, its child and the init of the namespace below";
  EXPECT_EQ(flat.size(), 2u) << "without the namespace below";
  EXPECT_FALSE(member_listed(nested, helper)) << "the init's parent is outside its namespace";
  EXPECT_FALSE(member_listed(nested, getpid()));
}

TEST(SandboxProcesses, AnInitThatIsGoneIsAnError) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  std::vector<SandboxProcess> all;
  EXPECT_FALSE(sandbox_processes(child, true, all));
}

}  // namespace
}  // namespace ringfence::enforcer
