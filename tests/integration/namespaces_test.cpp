// Namespaces, seen from inside the sandbox and from the host: the user
// namespace's maps, the host name, the PID namespace (and what of ringfence
// itself stays out of reach in it), and the network.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gmock/gmock.h>

#include "harness.h"
#include "views.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string host_hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// The "Uid:" or "Gid:" line of a host process's status, tabs and all.
std::string status_line(pid_t pid, const std::string& key) {
  for (const auto& line : lines_of(read_text("/proc/" + std::to_string(pid) + "/status")))
    if (line.rfind(key + ":", 0) == 0) return line;
  return "";
}

// ---- user namespace ----------------------------------------------------------------------

class UserNamespace : public SandboxTest {};

TEST_F(UserNamespace, StrictMapsRootInsideToUid100000Outside) {
  auto r = rf(run_args({"--profile", "strict"},
                       "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; id -un; readlink /proc/self/ns/user"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(squeeze(lines[0]), "0 100000 65536") << "uid_map";
  EXPECT_EQ(squeeze(lines[1]), "0 100000 65536") << "gid_map";
  EXPECT_EQ(lines[2], "0") << "root inside";
  EXPECT_EQ(lines[3], "0");
  EXPECT_EQ(lines[4], "root");
  EXPECT_NE(lines[5], host_link("/proc/self/ns/user")) << "a user namespace of its own";
}

TEST_F(UserNamespace, TheHostSeesTheSandboxsRootAsUid100000) {
  const std::string n = name("userns");
  auto started =
      rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", "strict", "--", "/bin/sleep", "30"});
  ASSERT_EQ(started.status, 0) << started.err;
  const pid_t init = sandbox_pid(n);
  ASSERT_GT(init, 0);

  // Inside, it is root.
  auto inside = rf({"exec", n, "--", "/bin/sh", "-c", "id -u; grep -E '^(Uid|Gid):' /proc/self/status"});
  ASSERT_EQ(inside.status, 0) << inside.err;
  EXPECT_EQ(inside.out, "0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");

  // Outside, the sandbox's init and its program are uid and gid 100000:
  // nobody the host knows, with no power over the host's files.
  EXPECT_EQ(status_line(init, "Uid"), "Uid:\t100000\t100000\t100000\t100000");
  EXPECT_EQ(status_line(init, "Gid"), "Gid:\t100000\t100000\t100000\t100000");
  const std::string children =
      read_text("/proc/" + std::to_string(init) + "/task/" + std::to_string(init) + "/children");
  const auto program = words_of(children);
  ASSERT_FALSE(program.empty()) << "the init has no child";
  for (const auto& pid : program) {
    const pid_t p = std::stoi(pid);
    EXPECT_EQ(status_line(p, "Uid"), "Uid:\t100000\t100000\t100000\t100000") << "pid " << p;
    EXPECT_EQ(squeeze(read_text("/proc/" + pid + "/uid_map")), "0 100000 65536") << "pid " << p;
  }
  EXPECT_NE(host_link("/proc/" + std::to_string(init) + "/ns/user"), host_link("/proc/self/ns/user"));
}

TEST_F(UserNamespace, UsernsAutoMapsRootToAnUnprivilegedRange) {
  auto r = rf(run_args({"--userns", "auto"}, "cat /proc/self/uid_map; id -u; readlink /proc/self/ns/user"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::istringstream map(lines[0]);
  unsigned long inside = 1, outside = 0, count = 0;
  ASSERT_TRUE(map >> inside >> outside >> count) << lines[0];
  EXPECT_EQ(inside, 0u);
  EXPECT_NE(outside, 0u) << "root inside must not be the host's root";
  EXPECT_GE(count, 65536u) << "a full range, so that the rootfs's users (app = 1000) are mapped";
  EXPECT_EQ(lines[1], "0");
  EXPECT_NE(lines[2], host_link("/proc/self/ns/user"));
}

TEST_F(UserNamespace, TheDefaultProfileHasNone) {
  auto r = rf(run_args({}, "squeeze() { echo $*; }; squeeze $(cat /proc/self/uid_map); readlink /proc/self/ns/user"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0 0 4294967295\n" + host_link("/proc/self/ns/user") + "\n");
}

// ---- UTS: the host name ----------------------------------------------------------------------

class Hostname : public SandboxTest {};

TEST_F(Hostname, TheDefaultIsSandboxAndTheHostsIsUntouched) {
  const std::string before = host_hostname();
  ASSERT_NE(before, "sandbox");
  // The program cannot rename the host either (no CAP_SYS_ADMIN).
  auto r = rf(run_args({}, "hostname; echo $HOSTNAME; hostname renamed-by-sandbox 2>/dev/null && echo renamed; "
                           "readlink /proc/self/ns/uts"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], "sandbox");
  EXPECT_EQ(lines[1], "sandbox") << "$HOSTNAME";
  EXPECT_NE(lines[2], host_link("/proc/self/ns/uts")) << "a UTS namespace of its own";
  EXPECT_EQ(host_hostname(), before);
}

TEST_F(Hostname, HostnameFlagSetsIt) {
  auto r = rf(run_args({"--hostname", "web1"}, "hostname; cat /proc/sys/kernel/hostname; echo $HOSTNAME"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "web1\nweb1\nweb1\n");
  EXPECT_NE(host_hostname(), "web1");
}

// KNOWN BUG (reported, in policy/src/check_profile.cpp): `--uts host` on the
// default profile (or on any profile that extends it) is refused with
// "'process.hostname' needs a private UTS namespace" because default.toml
// sets hostname = "sandbox" and an inherited key cannot be removed, so no
// command line can ever share the host's UTS namespace. Docker's
// `--uts host` simply drops the default host name. This test expects the
// Docker behaviour and fails until that is fixed.
TEST_F(Hostname, UtsHostSharesTheHostsName) {
  auto r = rf(run_args({"--uts", "host"}, "hostname; readlink /proc/self/ns/uts"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, host_hostname() + "\n" + host_link("/proc/self/ns/uts") + "\n");
}

TEST_F(Hostname, AProfileWithUtsHostSharesTheHostsName) {
  TempDir dir;
  write_file(dir / "uts-host.toml", "[profile]\nname = \"uts-host\"\n[namespaces]\nuts = \"host\"\n");
  auto r = rf(run_args({"--profile", dir / "uts-host.toml"}, "hostname; readlink /proc/self/ns/uts"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, host_hostname() + "\n" + host_link("/proc/self/ns/uts") + "\n");
}

// ---- PID namespace, and ringfence out of reach ---------------------------------------------

class PidNamespace : public SandboxTest {};

TEST_F(PidNamespace, PsShowsOnlyTheSandboxsProcesses) {
  // A host process with a recognisable command line, which must not show.
  const pid_t host_sleeper = fork();
  if (host_sleeper == 0) {
    execl("/bin/sleep", "sleep", "31.4159", nullptr);
    _exit(127);
  }
  ASSERT_GT(host_sleeper, 0);
  auto r = rf(run_args({}, "echo BEGIN pids; for p in /proc/[0-9]*; do echo ${p#/proc/}; done; echo END pids; "
                           "echo BEGIN ps; ps -o pid,args; echo END ps"));
  kill(host_sleeper, SIGKILL);
  waitpid(host_sleeper, nullptr, 0);
  ASSERT_EQ(r.status, 0) << r.err;

  const auto pids = words_of(section(r.out, "pids"));
  EXPECT_TRUE(pids.count("1")) << "the init is PID 1";
  EXPECT_TRUE(pids.count("2")) << "the program is PID 2";
  EXPECT_LE(pids.size(), 4u) << "init, the shell and its own commands only: " << joined(pids);
  for (const auto& p : pids) EXPECT_LT(std::stoi(p), 50) << "a PID from outside the namespace: " << p;
  EXPECT_THAT(section(r.out, "ps"), Not(HasSubstr("31.4159")));
  // ps itself lists the same few.
  EXPECT_LE(lines_of(section(r.out, "ps")).size(), 5u) << section(r.out, "ps");
}

TEST_F(PidNamespace, TheInitsExecutableIsUnreachable) {
  // PID 1 is a fork of ringfence: /proc/1/exe is the host's ringfence binary
  // (runc CVE-2019-5736). The init is not dumpable, so the program may not
  // open it or look through its root and cwd, even as root.
  const std::string script =
      "for f in exe root cwd; do readlink /proc/1/$f >/dev/null 2>&1 && echo \"readlink $f worked\"; done; "
      "cat /proc/1/exe 2>&1 >/dev/null; ls /proc/1/root/ 2>&1 >/dev/null; "
      "(: </proc/1/exe) 2>/dev/null && echo opened; id -u";
  for (bool host_root : {false, true}) {
    auto r = rf(run_args({}, script, host_root));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, Not(HasSubstr("worked"))) << (host_root ? "host root" : "rootfs");
    EXPECT_THAT(r.out, Not(HasSubstr("opened")));
    // busybox and GNU cat and ls word it differently; each names the path
    // and EACCES.
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.out;
    EXPECT_THAT(lines[0], HasSubstr("/proc/1/exe"));
    EXPECT_THAT(lines[0], HasSubstr("Permission denied"));
    EXPECT_THAT(lines[1], HasSubstr("/proc/1/root"));
    EXPECT_THAT(lines[1], HasSubstr("Permission denied"));
    EXPECT_EQ(lines[2], "0") << "refused although the program is root";
  }
}

TEST_F(PidNamespace, OnTheHostRootRingfencesBinaryAndStateAreHidden) {
  const std::string binary = std::filesystem::canonical(RINGFENCE_BINARY).string();
  ASSERT_GT(std::filesystem::file_size(binary), 0u);
  // A state root outside /tmp (which the sandbox gets a tmpfs over anyway),
  // with something in it that the sandbox must not see.
  char tmpl[] = "/var/tmp/ringfence-state-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  write_file(root + "/secret", "state of other sandboxes\n");
  auto r = ringfence({"--root", root, "run", "--audit-log", audit_log(), "--", "/bin/sh", "-c",
                      "(wc -c < '" + binary + "') 2>/dev/null || echo absent; echo BEGIN state; ls -A '" + root + "'; echo END state; "
                      "cat '" + root + "/secret' 2>&1; echo x > '" + binary + "' 2>&1; true"});
  const std::string inside_state = section(r.out, "state");
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
  ASSERT_EQ(r.status, 0) << r.err;
  // Covered (reads as empty) — or not there at all, when the binary lives
  // under /tmp, which the sandbox gets a tmpfs of its own over (a CI clone).
  const std::string seen = lines_of(r.out).at(0);
  EXPECT_TRUE(seen == "0" || (seen == "absent" && binary.rfind("/tmp/", 0) == 0))
      << "the ringfence binary must be unreachable inside: " << seen;
  EXPECT_EQ(inside_state, "") << "the state root is an empty directory inside";
  EXPECT_THAT(r.out, Not(HasSubstr("state of other sandboxes")));
  EXPECT_GT(std::filesystem::file_size(binary), 0u) << "the binary is intact";
}

TEST_F(PidNamespace, TheDefaultStateRootIsHiddenToo) {
  // No --root: ringfence keeps its state in /run/ringfence, which the
  // sandbox on the host's root sees as an empty directory.
  auto r = ringfence({"run", "--audit-log", audit_log(), "--", "/bin/sh", "-c", "ls -A /run/ringfence; echo status=$?"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "status=0\n");
}

// ---- network ---------------------------------------------------------------------------------------

class Network : public SandboxTest {};

std::set<std::string> host_interfaces() {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net")) out.insert(e.path().filename());
  return out;
}

TEST_F(Network, TheDefaultHasOnlyLoopback) {
  ASSERT_GT(host_interfaces().size(), 1u) << "the host has interfaces besides lo";
  auto r = rf(run_args({}, "echo BEGIN ifs; ls /sys/class/net; echo END ifs; readlink /proc/self/ns/net; "
                           "ip -o link | wc -l"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(section(r.out, "ifs"), "lo\n");
  EXPECT_THAT(r.out, HasSubstr("\n1\n")) << "ip link lists one interface";
  EXPECT_THAT(r.out, Not(HasSubstr(host_link("/proc/self/ns/net"))));
}

// A new network namespace's lo starts DOWN, so even 127.0.0.1 would be
// unreachable; net.loopback brings it up, as Docker's --network none does.
TEST_F(Network, LoopbackIsUp) {
  auto r = rf(run_args({}, "ip link show lo; ping -c 1 -W 2 127.0.0.1 >/dev/null 2>&1 && echo ping-ok"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(",UP")) << "lo is down: " << r.out;
  EXPECT_THAT(r.out, HasSubstr("ping-ok")) << "127.0.0.1 unreachable";
}

TEST_F(Network, NetworkHostSeesTheHostsInterfaces) {
  auto r = rf(run_args({"--network", "host"}, "echo BEGIN ifs; ls /sys/class/net; echo END ifs; "
                                              "readlink /proc/self/ns/net"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(words_of(section(r.out, "ifs")), host_interfaces());
  EXPECT_THAT(r.out, HasSubstr(host_link("/proc/self/ns/net") + "\n"));
}

}  // namespace
}  // namespace ringfence::itest
