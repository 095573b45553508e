// ChildProcess: a process the launcher started is never left behind on a
// path that gives up on it.
#include "../../../runtime/src/child_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

pid_t sleeper() {
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

TEST(ChildProcess, LettingGoKillsAndReapsIt) {
  const pid_t pid = sleeper();
  ASSERT_GT(pid, 0);
  { ChildProcess child(pid); }
  // Reaped: no such child any more (not a zombie, not running).
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, AReleasedChildIsLeftToItsNewOwner) {
  const pid_t pid = sleeper();
  ASSERT_GT(pid, 0);
  {
    ChildProcess child(pid);
    EXPECT_EQ(child.release(), pid);
  }
  EXPECT_EQ(kill(pid, 0), 0) << "still running";
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
}

TEST(ChildProcess, AMovedChildHasOneOwner) {
  const pid_t pid = sleeper();
  ASSERT_GT(pid, 0);
  ChildProcess a(pid);
  ChildProcess b(std::move(a));
  EXPECT_FALSE(a.owned());
  EXPECT_EQ(b.pid(), pid);
  b.kill_and_reap();
  EXPECT_FALSE(b.owned());
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1) << "reaped once, by its one owner";
}

}  // namespace
}  // namespace ringfence::runtime
