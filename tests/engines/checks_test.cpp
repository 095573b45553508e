// What a container run through each engine really gets from the runtime:
// each test reads the effect inside the container (/proc/self/status,
// mountinfo, namespaces, cgroup files), not only the engine's exit code.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <thread>

#include <fstream>

#include "drivers.h"
#include "engines.h"

namespace ringfence::etest {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> sh(const std::string& script) { return {"sh", "-c", script}; }

uint64_t hex(const std::string& s) { return s.empty() ? 0 : std::stoull(s, nullptr, 16); }

constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }
constexpr int kCapChown = 0, kCapNetAdmin = 12;


TEST_P(EngineTest, ExitCodeOfTheProcess) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("exit_code", flags);
  const Output r = engine().run(flags, sh("echo inside; exit 3"));
  EXPECT_EQ(r.status, 3) << r.all();
  EXPECT_THAT(r.out, HasSubstr("inside"));
}

TEST_P(EngineTest, CommandNotFoundIs127) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("not_found", flags);
  const Output r = engine().run(flags, {"/bin/no-such-program"});
  EXPECT_EQ(r.status, 127) << r.all();
}

TEST_P(EngineTest, CapAddGivesTheCapability) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("cap_add", flags);
  const Output r = engine().run(flags, {"cat", "/proc/self/status"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_TRUE(hex(status_field(r.out, "CapEff")) & bit(kCapNetAdmin)) << r.out;
  EXPECT_TRUE(hex(status_field(r.out, "CapBnd")) & bit(kCapNetAdmin)) << r.out;
}

TEST_P(EngineTest, CapDropRemovesTheCapability) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("cap_drop", flags);
  const Output r = engine().run(flags, sh("cat /proc/self/status; chown 1000 /tmp; echo chown=$?"));
  const uint64_t eff = hex(status_field(r.out, "CapEff"));
  EXPECT_FALSE(eff & bit(kCapChown)) << r.out;
  EXPECT_NE(eff, 0u) << "the other default capabilities stay: " << r.out;
  EXPECT_THAT(r.out, HasSubstr("chown=1")) << r.all();
}

TEST_P(EngineTest, PrivilegedHasEveryCapabilityAndNoFilter) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("privileged", flags);
  // Every capability this host can grant (the test's own bounding set).
  const uint64_t host = hex(status_field(read_file("/proc/self/status"), "CapBnd"));
  constexpr uint64_t kDockerKnows = (uint64_t{1} << 41) - 1;  // through CAP_CHECKPOINT_RESTORE
  if (GetParam() == "docker" && (host & kDockerKnows) != kDockerKnows)
    GTEST_SKIP() << "docker --privileged asks for every capability it knows, and this host's bounding set ("
                 << std::hex << host << ") lacks some: the runtime cannot grant them";
  const Output r = engine().run(flags, sh("cat /proc/self/status; ls /dev"));
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_EQ(hex(status_field(r.out, "CapEff")) & host, host) << r.out;
  EXPECT_EQ(status_field(r.out, "Seccomp"), "0") << r.out;
  if (std::filesystem::exists("/dev/kmsg")) {
    EXPECT_THAT(r.out, HasSubstr("kmsg")) << "the host's devices";
  }
}

// --privileged under a site policy floor given to the runtime: refused in
// enforce mode with a message the engine shows its user, run without the
// extra capabilities and with a filter in clamp mode. podman passes the
// floor with --runtime-flag; Docker and containerd take runtime options from
// their own configuration only (docs/oci.md), so the test runs with podman.
TEST_P(EngineTest, SitePolicyFloorRefusesOrClampsPrivileged) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("privileged", flags);
  if (GetParam() == "docker")
    GTEST_SKIP() << "dockerd takes runtime options (runtimeArgs) from its configuration, not per container";
  if (GetParam() == "ctr") GTEST_SKIP() << "ctr run passes no options to the runtime, only --runc-binary";
  if (Engines::get().runtime().find("ringfence") == std::string::npos)
    GTEST_SKIP() << "the runtime under test (" << Engines::get().runtime() << ") has no site policy floor";
  auto* podman = dynamic_cast<DockerLike*>(&engine());
  ASSERT_NE(podman, nullptr);
  const std::string policy = Engines::get().dir() + "/site-policy.toml";
  const std::string ceiling =
      "ceiling = [\"CHOWN\", \"DAC_OVERRIDE\", \"FOWNER\", \"FSETID\", \"KILL\", \"NET_BIND_SERVICE\", "
      "\"SETFCAP\", \"SETGID\", \"SETPCAP\", \"SETUID\", \"SYS_CHROOT\"]\n";
  const std::vector<std::string> global = {"--runtime-flag", "policy=" + policy};

  std::ofstream(policy) << "[privileged]\nallowed = false\n[capabilities]\n" << ceiling;
  const Output refused = podman->run_global(global, flags, {"true"});
  EXPECT_NE(refused.status, 0) << refused.all();
  EXPECT_THAT(refused.all(), HasSubstr("the site policy refuses")) << "the engine shows the runtime's reason";

  std::ofstream(policy) << "[privileged]\nallowed = false\nmode = \"clamp\"\n[capabilities]\nmode = \"clamp\"\n"
                        << ceiling << "[seccomp]\nrequired = true\nmode = \"clamp\"\n";
  const Output clamped = podman->run_global(global, flags, {"cat", "/proc/self/status"});
  ASSERT_EQ(clamped.status, 0) << clamped.all();
  const uint64_t eff = hex(status_field(clamped.out, "CapEff"));
  EXPECT_FALSE(eff & bit(21)) << "CAP_SYS_ADMIN, above the ceiling: " << clamped.out;
  EXPECT_TRUE(eff & bit(kCapChown)) << clamped.out;
  EXPECT_EQ(status_field(clamped.out, "Seccomp"), "2") << clamped.out;
  std::filesystem::remove(policy);
}

// What podman's CNI bridge leaves on the host the first time a container
// uses it (the bridge, the firewall plugin's chains, its state and netns
// directories). The test removes what was not there before it ran.
struct CniHostState {
  bool bridge, chains, state_dir, netns_dir;
  std::string ip_forward;  // the bridge plugin turns forwarding on
  static CniHostState now() {
    return {run_command({"ip", "link", "show", "cni-podman0"}).status == 0,
            run_command({"iptables", "-S", "CNI-FORWARD"}).status == 0, std::filesystem::exists("/var/lib/cni"),
            std::filesystem::exists("/run/netns"), read_file("/proc/sys/net/ipv4/ip_forward")};
  }
  void restore() const {
    const auto after = now();
    if (!ip_forward.empty() && after.ip_forward != ip_forward) std::ofstream("/proc/sys/net/ipv4/ip_forward") << ip_forward;
    if (!bridge && after.bridge) run_command({"ip", "link", "delete", "cni-podman0"});
    if (!chains && after.chains) {
      run_command({"iptables", "-D", "FORWARD", "-m", "comment", "--comment", "CNI firewall plugin rules", "-j",
                   "CNI-FORWARD"});
      for (const char* chain : {"CNI-FORWARD", "CNI-ADMIN"}) {
        run_command({"iptables", "-F", chain});
        run_command({"iptables", "-X", chain});
      }
    }
    std::error_code ec;
    if (!state_dir) std::filesystem::remove_all("/var/lib/cni", ec);
    // podman (as `ip netns` does) makes /run/netns a mount of itself.
    if (!netns_dir && std::filesystem::is_empty("/run/netns", ec)) {
      while (umount2("/run/netns", MNT_DETACH) == 0) {
      }
      std::filesystem::remove("/run/netns", ec);
    }
  }
};

// podman's default network: it makes a network namespace with a veth on its
// bridge and hands the runtime its path; the container must be in it.
TEST_P(EngineTest, PodmansBridgeNetworkNamespaceIsJoinedByPath) {
  if (GetParam() != "podman")
    GTEST_SKIP() << (GetParam() == "docker" ? "the suite's dockerd runs without a bridge"
                                            : "ctr makes no network namespace of its own to join");
  auto* podman = dynamic_cast<DockerLike*>(&engine());
  ASSERT_NE(podman, nullptr);
  const auto before = CniHostState::now();
  const Output r = podman->cli({"run", "--rm", "--network", "bridge", Engines::kImage, "sh", "-c",
                                "readlink /proc/self/ns/net; ip -o -4 addr show eth0"});
  before.restore();
  if (r.status != 0 && r.all().find("CNI") != std::string::npos)
    GTEST_SKIP() << "podman cannot set up its bridge on this host: " << r.all();
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("eth0")) << "the veth podman put in the namespace";
  EXPECT_THAT(r.out, HasSubstr("inet 10.88.")) << "an address of podman's default network";
  std::error_code ec;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr(std::filesystem::read_symlink("/proc/self/ns/net", ec).string())));
}

TEST_P(EngineTest, NoNewPrivileges) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("no_new_privs", flags);
  const Output r = engine().run(flags, {"cat", "/proc/self/status"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_EQ(status_field(r.out, "NoNewPrivs"), "1") << r.out;
}

TEST_P(EngineTest, DefaultSeccompFilter) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("seccomp_default", flags);
  const Output r = engine().run(flags, {"cat", "/proc/self/status"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_EQ(status_field(r.out, "Seccomp"), "2") << r.out;
}

TEST_P(EngineTest, SeccompUnconfined) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("seccomp_unconfined", flags);
  const Output r = engine().run(flags, {"cat", "/proc/self/status"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_EQ(status_field(r.out, "Seccomp"), "0") << r.out;
}

TEST_P(EngineTest, CustomSeccompProfileDeniesMkdirWithItsErrno) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("seccomp_custom", flags);
  const Output r = engine().run(flags, sh("grep Seccomp: /proc/self/status; mkdir /tmp/denied; echo mkdir=$?; "
                                          "touch /tmp/allowed && echo touch=ok"));
  EXPECT_THAT(r.out, HasSubstr("mkdir=1")) << r.all();
  EXPECT_THAT(r.all(), HasSubstr("Invalid cross-device link")) << "EXDEV, the profile's errnoRet";
  EXPECT_THAT(r.out, HasSubstr("touch=ok")) << "everything else is allowed: " << r.all();
  EXPECT_EQ(status_field(r.out, "Seccomp"), "2") << r.out;
}

// A notify rule is answered by ringfence's monitor while the engine's shim
// owns the process, and the engine still gets the program's exit status;
// with podman, whose runtime flags reach ringfence-oci, the audit log is
// read too (the records come from the monitor).
TEST_P(EngineTest, NotifyRulesAreAnsweredByTheRuntimesMonitor) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("seccomp_notify", flags);
  if (Engines::get().runtime().find("ringfence") == std::string::npos)
    GTEST_SKIP() << "only ringfence answers notify rules without a listenerPath";
  const auto script = sh("mkdir /tmp/denied; echo mkdir=$?; exit 4");
  const Output r = engine().run(flags, script);
  EXPECT_EQ(r.status, 4) << r.all();
  EXPECT_THAT(r.out, HasSubstr("mkdir=1")) << r.all();
  EXPECT_THAT(r.all(), HasSubstr("Operation not permitted")) << "the monitor's answer, EPERM";
  if (GetParam() != "podman") return;

  auto* podman = dynamic_cast<DockerLike*>(&engine());
  ASSERT_NE(podman, nullptr);
  const std::string log = Engines::get().dir() + "/notify-audit.jsonl";
  std::filesystem::remove(log);
  const Output audited = podman->run_global({"--runtime-flag", "audit-log=" + log}, flags, script);
  EXPECT_EQ(audited.status, 4) << audited.all();
  const std::string text = read_file(log);
  EXPECT_THAT(text, HasSubstr("\"event\":\"seccomp.notify\"")) << text;
  EXPECT_THAT(text, HasSubstr("\"syscall\":\"mkdir\"")) << text;
  EXPECT_THAT(text, HasSubstr("\"exit_status\":4")) << "sandbox.stop, from the kernel's exit event: " << text;
  std::filesystem::remove(log);
}

TEST_P(EngineTest, ReadOnlyRoot) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("read_only", flags);
  const Output r = engine().run(flags, sh("touch /written; echo touch=$?; awk '$5 == \"/\" {print \"root:\" $6}' "
                                          "/proc/self/mountinfo"));
  EXPECT_THAT(r.out, HasSubstr("touch=1")) << r.all();
  EXPECT_THAT(r.all(), HasSubstr("Read-only file system"));
  EXPECT_THAT(r.out, HasSubstr("root:ro")) << r.out;
}

TEST_P(EngineTest, IpcHostSharesTheHostNamespace) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("ipc_host", flags);
  const Output r = engine().run(flags, {"readlink", "/proc/self/ns/ipc"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_EQ(trim(r.out), std::filesystem::read_symlink("/proc/self/ns/ipc").string());
}

TEST_P(EngineTest, IpcPrivateHasItsOwnNamespace) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("ipc_private", flags);
  const Output r = engine().run(flags, {"readlink", "/proc/self/ns/ipc"});
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("ipc:["));
  EXPECT_NE(trim(r.out), std::filesystem::read_symlink("/proc/self/ns/ipc").string());
}

TEST_P(EngineTest, DeviceUnderAnotherName) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("device", flags);
  const Output r = engine().run(flags, sh("stat -c '%t:%T %F' /dev/xnull; echo data > /dev/xnull && echo wrote"));
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("1:3 character special file"));
  EXPECT_THAT(r.out, HasSubstr("wrote")) << "the device cgroup lets it be written";
}

TEST_P(EngineTest, UserAndGroup) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("user", flags);
  const Output r = engine().run(flags, sh("id -u; id -g; grep CapEff /proc/self/status"));
  ASSERT_EQ(r.status, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("1000\n1000\n"));
  EXPECT_EQ(hex(status_field(r.out, "CapEff")), 0u) << "a non-root user has no effective capabilities";
}

TEST_P(EngineTest, UserNamespaceMapping) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("userns", flags);
  const Output r = engine().run(flags, sh("cat /proc/self/uid_map /proc/self/gid_map; id -u"));
  ASSERT_EQ(r.status, 0) << r.all();
  std::istringstream in(r.out);
  for (const char* map : {"uid_map", "gid_map"}) {
    uint64_t inside = 1, outside = 0, length = 0;
    in >> inside >> outside >> length;
    EXPECT_EQ(inside, 0u) << map << ": " << r.out;
    EXPECT_EQ(outside, 100000u) << map << ": " << r.out;
    EXPECT_EQ(length, 65536u) << map << ": " << r.out;
  }
}

TEST_P(EngineTest, MemoryLimitAndOom) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("memory_oom", flags);
  // The limit, read from the host: ctr mounts no cgroup file system inside.
  const std::string sleeper = id("memory");
  ASSERT_EQ(engine().start(sleeper, flags, {"sleep", "1000"}).status, 0);
  pid_t pid = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((pid = engine().pid(sleeper)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GT(pid, 0);
  const bool v1 = std::filesystem::exists("/sys/fs/cgroup/memory");
  EXPECT_EQ(trim(read_file(v1 ? host_cgroup_file(pid, "memory", "memory.limit_in_bytes")
                              : host_cgroup_file(pid, "", "memory.max"))),
            "33554432");
  // tail keeps the last line of an endless one: it grows until the limit.
  const std::string hog = id("oom");
  const Output started = engine().start(hog, flags, {"tail", "/dev/zero"});
  ASSERT_EQ(started.status, 0) << started.all();
  while (engine().pid(hog) != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::optional<bool> oom = engine().oom_killed(hog);
  EXPECT_EQ(engine().exit_code(hog), 137) << "SIGKILL from the OOM killer";
  std::vector<std::string> none;
  if (flags_for("oom_reported", none)) {
    EXPECT_EQ(oom, std::optional<bool>(true)) << GetParam() << " does not report the OOM kill";
  }
}

TEST_P(EngineTest, PidsLimitStopsAForkLoop) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("pids_limit", flags);
  const Output r = engine().run(
      flags, sh("cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; "
                "i=0; while [ $i -lt 40 ]; do sleep 1 & i=$((i+1)); done; wait; echo all-forked"));
  EXPECT_THAT(r.out, ::testing::StartsWith("20\n")) << r.all();
  EXPECT_THAT(r.all(), HasSubstr("can't fork"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("all-forked")));
}

// --device-read-bps: the engine turns the device's path into its numbers,
// and the throttle is in the container's own blkio (or io) cgroup.
TEST_P(EngineTest, DeviceReadBpsThrottlesTheDisk) {
  std::vector<std::string> flags;
  REQUIRE_CHECK("blkio_read_bps", flags);
  struct stat st {};
  ASSERT_EQ(stat(a_disk_node().c_str(), &st), 0) << a_disk_node();
  const std::string device = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  const Output r = engine().run(flags, sh("cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device 2>/dev/null || "
                                          "cat /sys/fs/cgroup/io.max"));
  EXPECT_EQ(r.status, 0) << r.all();
  EXPECT_THAT(r.out, ::testing::AnyOf(HasSubstr(device + " 1048576"), HasSubstr(device + " rbps=1048576"))) << r.all();
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineTest, ::testing::ValuesIn(engine_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ringfence::etest
