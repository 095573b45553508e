// container:NAME — one sandbox joining another's IPC, network or PID
// namespace, as Docker's --ipc/--network/--pid container:NAME.
#include <unistd.h>

#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

class Join : public SandboxTest {
 protected:
  std::string host_ns(pid_t pid, const char* kind) {
    char link[128] = {};
    if (readlink(("/proc/" + std::to_string(pid) + "/ns/" + kind).c_str(), link, sizeof link - 1) < 0) return "";
    return link;
  }
};

TEST_F(Join, ASecondSandboxSharesTheFirstsIpcSegmentsAndAThirdDoesNot) {
  const std::string a = name("ipc-owner");
  // util-linux's ipcmk and ipcs, from the host's root (busybox has neither).
  ASSERT_EQ(rf({"run", "--name", a, "--detach", "--ipc", "shareable", "--", "/bin/sh", "-c",
                "ipcmk -M 4096 >/dev/null && sleep 60"})
                .status,
            0);
  const pid_t owner = sandbox_pid(a);
  ASSERT_GT(owner, 0);
  // The segment exists once ipcmk ran; wait for it through the second sandbox.
  std::string seen;
  for (int i = 0; i < 50; ++i) {
    auto joined = rf(run_args({"--ipc", "container:" + a}, "readlink /proc/self/ns/ipc; ipcs -m", true));
    ASSERT_EQ(joined.status, 0) << joined.err;
    seen = joined.out;
    if (seen.find("4096") != std::string::npos) break;
    usleep(50000);
  }
  EXPECT_THAT(seen, HasSubstr(host_ns(owner, "ipc"))) << "the same IPC namespace";
  EXPECT_THAT(seen, HasSubstr("4096")) << "the segment made in the first sandbox is visible: " << seen;

  auto third = rf(run_args({}, "ipcs -m", true));
  ASSERT_EQ(third.status, 0) << third.err;
  EXPECT_THAT(third.out, ::testing::Not(HasSubstr("4096"))) << "a private IPC namespace sees nothing";
}

TEST_F(Join, NetworkAndPidNamespacesAreJoinedByName) {
  const std::string a = name("net-owner");
  ASSERT_EQ(rf({"run", "--name", a, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"}).status, 0);
  const pid_t owner = sandbox_pid(a);
  auto r = rf(run_args({"--network", "container:" + a, "--pid", "container:" + a},
                       "readlink /proc/self/ns/net; ps | grep -c '[s]leep 60'"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(host_ns(owner, "net")));
  EXPECT_THAT(r.out, HasSubstr("\n1\n")) << "the first sandbox's sleep is visible in the shared PID namespace";
}

TEST_F(Join, JoiningASandboxThatDoesNotRunFailsClosed) {
  auto r = rf(run_args({"--ipc", "container:nobody-here"}, "true"));
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'namespaces.join' failed"));
}

}  // namespace
}  // namespace ringfence::itest
