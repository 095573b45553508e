// The kernel's exit events for a process that is not ours: how a monitor
// learns an OCI container's status while the engine's shim reaps it.
#include "ringfence/enforcer/process_exits.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "ringfence/base/fd.h"
#include "ringfence/enforcer/pidfd.h"

namespace ringfence::enforcer {
namespace {

// A grandchild that waits for a byte on a pipe and then exits with
// `code`: its parent is gone at once, so this process can never wait for
// it. Returns its pid and the pipe's writing end.
std::pair<pid_t, Fd> orphan(int code) {
  int go[2], report[2];
  if (pipe(go) != 0 || pipe(report) != 0) return {-1, Fd()};
  const pid_t middle = fork();
  if (middle == 0) {
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      char byte;
      (void)!read(go[0], &byte, 1);
      _exit(code);
    }
    (void)!write(report[1], &grandchild, sizeof grandchild);
    _exit(0);
  }
  close(go[0]);
  close(report[1]);
  pid_t pid = -1;
  (void)!read(report[0], &pid, sizeof pid);
  close(report[0]);
  waitpid(middle, nullptr, 0);
  return {pid, Fd(go[1])};
}

// Until the pidfd says the process has ended (bounded).
bool ended(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  return poll(&p, 1, 10'000) == 1;
}

class ProcessExits : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the process events connector needs CAP_NET_ADMIN";
  }
};

TEST_F(ProcessExits, TheStatusOfAProcessThatIsNotOurChild) {
  auto [pid, go] = orphan(42);
  ASSERT_GT(pid, 0);
  Fd pidfd(pidfd_open_process(pid));
  ASSERT_TRUE(pidfd.valid());
  ProcessExitWatch watch;
  ASSERT_TRUE(watch.open(pid));
  EXPECT_FALSE(watch.take_status()) << "nothing has ended yet";
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1) << "not ours to wait for";

  (void)!write(go.get(), "x", 1);
  ASSERT_TRUE(ended(pidfd.get()));
  const auto status = watch.take_status();
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 42);
}

TEST_F(ProcessExits, ASignalThatEndsItIsItsStatus) {
  auto [pid, go] = orphan(0);
  ASSERT_GT(pid, 0);
  Fd pidfd(pidfd_open_process(pid));
  ProcessExitWatch watch;
  ASSERT_TRUE(watch.open(pid));
  ASSERT_EQ(pidfd_signal(pidfd.get(), SIGKILL), 0);
  ASSERT_TRUE(ended(pidfd.get()));
  const auto status = watch.take_status();
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
}

// Another process's exit, however busy the host, is never taken for it.
TEST_F(ProcessExits, OtherProcessesExitsAreFilteredOut) {
  auto [pid, go] = orphan(0);
  ASSERT_GT(pid, 0);
  ProcessExitWatch watch;
  ASSERT_TRUE(watch.open(pid));
  for (int i = 0; i < 20; ++i) {
    const pid_t other = fork();
    if (other == 0) _exit(9);
    waitpid(other, nullptr, 0);
  }
  EXPECT_FALSE(watch.take_status());
  Fd pidfd(pidfd_open_process(pid));
  (void)!write(go.get(), "x", 1);
  ASSERT_TRUE(ended(pidfd.get()));
  const auto status = watch.take_status();
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace ringfence::enforcer
