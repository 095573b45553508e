// Escape attempts, one per finding of the 2026 security review (issue 10):
// each does what an attacker would and checks that it fails. Every one of
// them succeeded against the runtime before the fixes.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>

#include "harness.h"
#include "views.h"
#include "waits.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A listening unix socket owned by root with mode 0600, as systemd's private
// socket, docker.sock or containerd.sock are; it records whether anyone
// ever connected.
class RootOnlySocket {
 public:
  explicit RootOnlySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          chmod(path.c_str(), 0600) == 0 && listen(fd_, 8) == 0;
  }
  ~RootOnlySocket() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  // Did a connection arrive (accepted here without waiting)?
  bool was_connected() {
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return false;
    close(c);
    return true;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool ok_ = false;
};

// A directory under the host's /run for the test's socket and FIFO, removed
// afterwards.
class HostRunDir {
 public:
  HostRunDir() : path_(fmt::format("/run/ringfence-test-{}", getpid())) {
    mkdir(path_.c_str(), 0755);
  }
  ~HostRunDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// What the sandbox does with the socket and the FIFO: python3 from the
// host's /usr (the embedded default shows it), printing one word per
// attempt: "reached" or the error's name.
constexpr const char* kProbe = R"PY(
import os, socket, sys
for path in sys.argv[1:]:
    try:
        if path.endswith(".sock"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        print(path, "reached")
    except OSError as e:
        print(path, type(e).__name__)
)PY";

class HostRootDefault : public SandboxTest {};

// Finding 1: a read-only mount does not stop connect() or a write into a
// FIFO; root-only sockets under /run were reachable, with peer uid 0.
class HostSocket : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    sock_.emplace(run_.path() + "/daemon.sock");
    ASSERT_TRUE(sock_->ok());
    ASSERT_EQ(mkfifo(fifo().c_str(), 0600), 0);
    // A reader on the FIFO, so that a writer's open would succeed.
    reader_ = open(fifo().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader_, 0);
  }
  void TearDown() override {
    if (reader_ >= 0) close(reader_);
    sock_.reset();
    SandboxTest::TearDown();
  }
  std::string fifo() const { return run_.path() + "/control.fifo"; }

  HostRunDir run_;
  std::optional<RootOnlySocket> sock_;
  int reader_ = -1;
};

TEST_F(HostSocket, RootOnlySocketsAndFifosUnderTheHostsRunAreNotThere) {
  auto r = rf({"run", "--name", name("sock"), "--", "python3", "-c", kProbe, run_.path() + "/daemon.sock", fifo()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("reached"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr(run_.path() + "/daemon.sock FileNotFoundError"));
  EXPECT_THAT(r.out, HasSubstr(fifo() + " FileNotFoundError"));
  EXPECT_FALSE(sock_->was_connected()) << "the root-only socket accepted a connection from the sandbox";
}

// Where a volume shows them, root inside is still not root outside.
TEST_F(HostSocket, RootOnlySocketsAndFifosShownByAVolumeAreRefused) {
  auto r = rf({"run", "--name", name("sockvol"), "-v", run_.path() + ":/mnt:ro", "--", "python3", "-c", kProbe,
               "/mnt/daemon.sock", "/mnt/control.fifo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("reached"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("/mnt/daemon.sock PermissionError"));
  EXPECT_THAT(r.out, HasSubstr("/mnt/control.fifo PermissionError"));
  EXPECT_FALSE(sock_->was_connected()) << "the root-only socket accepted a connection from the sandbox";
}

TEST_F(HostRootDefault, OnlyTheAllowedHostDirectoriesAreThere) {
  auto r = rf({"run", "--name", name("view"), "--", "/bin/sh", "-c",
               "ls -a /; for d in /run /var /home /root /srv /mnt /opt /media /boot /etc/shadow /etc/shadow- "
               "/etc/gshadow /etc/gshadow- /etc/ssh; do [ -e $d ] && echo present $d; done; echo end"});
  ASSERT_EQ(r.status, 0) << r.err;
  // The secrets under /etc are not there at all, not covered: a cover on a
  // file goes when the host replaces the file (mount_sources.cpp).
  EXPECT_THAT(r.out, Not(HasSubstr("present"))) << r.out;
  EXPECT_THAT(r.out, HasSubstr("usr"));
  EXPECT_THAT(r.out, HasSubstr("etc"));
  EXPECT_THAT(r.out, HasSubstr("end"));
}

TEST_F(HostRootDefault, RootInsideIsABlockOfRingfencesOwnIdsOutside) {
  auto r = rf({"run", "--name", name("ids"), "--", "/bin/sh", "-c", "id -u; cat /proc/self/uid_map"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "0");
  std::istringstream in(lines[1]);
  unsigned long inside = 1, outside = 0, count = 0;
  in >> inside >> outside >> count;
  EXPECT_EQ(inside, 0u);
  EXPECT_EQ(count, 65536u);
  EXPECT_GT(outside, 0u) << "root inside is root outside";
}

// A root-only file that no hide list names, in a directory the sandbox is
// given: unreadable, because root inside is not root outside.
TEST_F(HostRootDefault, RootOnlyFilesAreUnreadable) {
  TempDir dir;
  write_file(dir / "secret", "s3cret\n");
  ASSERT_EQ(chmod((dir / "secret").c_str(), 0600), 0);
  auto r = rf({"run", "--name", name("file"), "-v", dir.path() + ":/mnt/d:ro", "--", "/bin/sh", "-c",
               "cat /mnt/d/secret 2>&1; echo rc=$?"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("s3cret")));
  EXPECT_THAT(r.out, HasSubstr("Permission denied"));
}

// ---- finding 2: the supervisor behind --pid host ------------------------------------------

class Supervisor : public SandboxTest {};

TEST_F(Supervisor, ThroughTheHostPidNamespaceItsRootAndItsLifeAreOutOfReach) {
  // Where a sandbox that reached the host's root through /proc would write.
  struct Marker {
    std::string path = fmt::format("/tmp/ringfence-test-pwned-{}", getpid());
    Marker() { std::filesystem::remove(path); }
    ~Marker() { std::filesystem::remove(path); }
  } marker_file;
  const std::string& marker = marker_file.path;
  auto r = rf({"run", "--name", name("pidhost"), "--pid", "host", "--", "/bin/sh", "-c",
               "sup=$PPID; echo sup=$sup; head -c 64 /proc/$sup/root/etc/shadow >/dev/null 2>&1 && echo read-shadow; "
               "ls /proc/$sup/root/ >/dev/null 2>&1 && echo listed-root; "
               "echo x > /proc/$sup/root" + marker + " 2>/dev/null && echo wrote-host; "
               "readlink /proc/$sup/exe >/dev/null 2>&1 && echo saw-exe; "
               "kill -9 $sup 2>/dev/null && echo killed; echo done"});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("done"));
  for (const char* escape : {"read-shadow", "listed-root", "wrote-host", "saw-exe", "killed"})
    EXPECT_THAT(r.out, Not(HasSubstr(escape))) << r.out;
  EXPECT_FALSE(exists(marker));
}

TEST_F(Supervisor, WithoutAUserNamespaceItsRootIsStillUnreadable) {
  auto r = rf({"run", "--name", name("pidhost2"), "--pid", "host", "--userns", "host", "--", "/bin/sh", "-c",
               "ls /proc/$PPID/root/ >/dev/null 2>&1 && echo listed-root; "
               "cat /proc/$PPID/environ >/dev/null 2>&1 && echo read-environ; echo done"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("done"));
  EXPECT_THAT(r.out, Not(HasSubstr("listed-root")));
  EXPECT_THAT(r.out, Not(HasSubstr("read-environ")));
}

// Replaces `path` by rename with a copy of itself (the same bytes, owner and
// mode), as passwd and useradd replace their files; under lckpwdf(), the
// lock they take, so that no change of theirs made meanwhile is lost.
bool replace_with_a_copy(const std::string& path) {
  if (lckpwdf() != 0) return false;
  const std::string copy = path + ".ringfence-test";
  struct stat st {};
  std::string bytes;
  bool ok = stat(path.c_str(), &st) == 0;
  if (ok) {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    ok = !in.bad();
  }
  // Made 0600 from the start: the secret is never readable by others on the way.
  const int fd = ok ? open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
  ok = fd >= 0 && write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
       fchown(fd, st.st_uid, st.st_gid) == 0 && fchmod(fd, st.st_mode & 07777) == 0 && fsync(fd) == 0;
  if (fd >= 0) close(fd);
  ok = ok && rename(copy.c_str(), path.c_str()) == 0;
  if (!ok) unlink(copy.c_str());
  ulckpwdf();
  return ok;
}

// A sandbox whose root is the host's root (--userns host) may read any file
// it is shown. The host's secrets were covered by a mount over each, which
// the kernel takes away when the host replaces the file (at every passwd
// or useradd): the sandbox then read the new one. They are whiteouts now.
TEST_F(Supervisor, TheHostsSecretsStayHiddenWhenTheHostReplacesThem) {
  const std::string secret = "/etc/shadow-";  // the backup passwd and useradd make, replaced with the rest
  struct stat st {};
  if (stat(secret.c_str(), &st) != 0 || st.st_size == 0) GTEST_SKIP() << secret << " is not on this host";
  TempDir sync;
  Result r;
  std::thread runner([&] {
    r = rf({"run", "--name", name("replaced"), "--userns", "host", "-v", sync.path() + ":/sync", "--", "/bin/sh",
            "-c",
            "touch /sync/ready; i=0; while [ ! -e /sync/go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; "
            "[ -e " + secret + " ] && echo present; head -c 1 " + secret + " >/dev/null 2>&1 && [ -s " + secret +
                " ] && echo read-it; echo done"});
  });
  const bool ready = eventually([&] { return exists(sync / "ready"); }, std::chrono::seconds(30));
  const bool replaced = ready && replace_with_a_copy(secret);
  std::ofstream(sync / "go") << "go";
  runner.join();
  ASSERT_TRUE(ready) << r.err;
  ASSERT_TRUE(replaced) << "could not replace " << secret;
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("done"));
  EXPECT_THAT(r.out, Not(HasSubstr("read-it"))) << "the sandbox read the host's new " << secret;
  EXPECT_THAT(r.out, Not(HasSubstr("present")));
}

// ---- finding 3: whose ids a sandbox runs as ----------------------------------------------

// A local user made by the test; useradd gives it the next subordinate
// range (100000.. for the machine's first user, as on a fresh Debian).
class LocalUser {
 public:
  LocalUser() : name_(fmt::format("rftest{}", getpid() % 100000)) {
    const std::string cmd = fmt::format("useradd --no-create-home --shell /bin/sh {} 2>&1", name_);
    ok_ = std::system(cmd.c_str()) == 0;
    if (const passwd* pw = getpwnam(name_.c_str())) uid_ = pw->pw_uid;
  }
  ~LocalUser() {
    if (ok_) (void)!std::system(fmt::format("userdel {} >/dev/null 2>&1", name_).c_str());
  }
  bool ok() const { return ok_ && uid_ != 0; }
  const std::string& name() const { return name_; }
  uid_t uid() const { return uid_; }
  // Its first range in /etc/subuid (start, count); {0, 0} without one.
  std::pair<unsigned long, unsigned long> subuids() const {
    for (const auto& line : lines_of(read_text("/etc/subuid"))) {
      if (line.rfind(name_ + ":", 0) != 0) continue;
      const auto a = line.find(':'), b = line.find(':', a + 1);
      return {std::stoul(line.substr(a + 1, b - a - 1)), std::stoul(line.substr(b + 1))};
    }
    return {0, 0};
  }

 private:
  std::string name_;
  uid_t uid_ = 0;
  bool ok_ = false;
};

std::pair<unsigned long, unsigned long> uid_map_of(pid_t pid) {
  std::istringstream in(read_text(fmt::format("/proc/{}/uid_map", pid)));
  unsigned long inside = 0, outside = 0, count = 0;
  in >> inside >> outside >> count;
  return {outside, count};
}

class IdRanges : public SandboxTest {};

TEST_F(IdRanges, ALocalUserWithTheFirstSubordinateRangeCannotSignalAStrictSandbox) {
  LocalUser user;
  ASSERT_TRUE(user.ok()) << "useradd failed";
  const auto [sub_start, sub_count] = user.subuids();
  ASSERT_GT(sub_count, 0u) << "useradd gave the user no subordinate ids";

  const std::string n = name("victim");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", "strict", "--",
                     "/bin/sleep", "300"});
  ASSERT_EQ(started.status, 0) << started.err;
  const pid_t init = sandbox_pid(n);
  ASSERT_GT(init, 0);
  const auto [outside, count] = uid_map_of(init);
  EXPECT_TRUE(outside + count <= sub_start || sub_start + sub_count <= outside)
      << "the sandbox runs as ids " << outside << ".." << outside + count << ", inside " << user.name()
      << "'s subordinate range " << sub_start << ".." << sub_start + sub_count;

  // The attack: the user becomes root of a user namespace mapped onto its
  // own subordinate range (newuidmap allows exactly that) and signals the
  // sandbox, which it could if the sandbox's ids were in that range.
  auto as_root_of_its_range = [&](const std::string& command) {
    return std::system(fmt::format("su -s /bin/sh {} -c 'unshare --map-users={},0,{} --map-groups={},0,{} "
                                   "--setuid 0 --setgid 0 {}' >/dev/null 2>&1",
                                   user.name(), sub_start, sub_count, sub_start, sub_count, command)
                           .c_str());
  };
  ASSERT_EQ(as_root_of_its_range("true"), 0) << "the attack's own means (newuidmap over its range) do not work here";
  (void)as_root_of_its_range(fmt::format("kill -9 {}", init));
  EXPECT_TRUE(exists(fmt::format("/proc/{}", init)) &&
              read_text(fmt::format("/proc/{}/status", init)).find("State:\tZ") == std::string::npos)
      << "a local user killed the sandbox";
}

TEST_F(IdRanges, TwoSandboxesNeverShareAnIdentity) {
  const std::string a = name("a"), b = name("b");
  for (const auto& n : {a, b}) {
    auto r = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", "strict", "--", "/bin/sleep",
                 "300"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  const auto ra = uid_map_of(sandbox_pid(a)), rb = uid_map_of(sandbox_pid(b));
  EXPECT_TRUE(ra.first + ra.second <= rb.first || rb.first + rb.second <= ra.first)
      << ra.first << " and " << rb.first;
}

TEST_F(IdRanges, ADeletedSandboxReleasesItsBlock) {
  const std::string n = name("released");
  auto r = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", "strict", "--", "/bin/sleep",
               "300"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string dir = std::filesystem::canonical(state_root() + "/" + n).string();
  auto reserved_for = [&] {
    int found = 0;
    for (const auto& e : std::filesystem::directory_iterator("/run/ringfence-ids"))
      if (read_text(e.path().string()) == dir) ++found;
    return found;
  };
  EXPECT_EQ(reserved_for(), 1);
  ASSERT_EQ(rf({"delete", "--force", n}).status, 0);
  EXPECT_EQ(reserved_for(), 0);
}

// ---- finding 5: #!/proc/self/exe ------------------------------------------------------------

class SelfExe : public SandboxTest {};

TEST_F(SelfExe, AScriptWhoseInterpreterIsProcSelfExeDoesNotRunRingfence) {
  TempDir dir;
  write_file(dir / "evil", "#!/proc/self/exe --version\n");
  ASSERT_EQ(chmod((dir / "evil").c_str(), 0755), 0);
  auto r = rf({"run", "--name", name("selfexe"), "--rootfs", test_rootfs(), "-v", dir.path() + ":/data", "--",
               "/data/evil"});
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("ringfence " RINGFENCE_TEST_VERSION)))
      << "the host's ringfence binary ran inside the sandbox";
  EXPECT_EQ(r.status, 126) << r.out << r.err;
}

// Seen from the host: no process of a running sandbox — its init, its
// program — is the ringfence binary (a fork of ringfence as PID 1 would be).
TEST_F(SelfExe, NoProcessOfTheSandboxRunsFromTheRingfenceBinary) {
  struct stat host {};
  ASSERT_EQ(stat(RINGFENCE_BINARY, &host), 0);
  const std::string n = name("exe");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "300"});
  ASSERT_EQ(started.status, 0) << started.err;
  const std::string procs = fmt::format("/sys/fs/cgroup/pids/ringfence/{}/cgroup.procs", n);
  ASSERT_TRUE(exists(procs));
  // The init and its program: wait until the program is there.
  std::vector<std::string> pids;
  for (int i = 0; i < 500 && pids.size() < 2; ++i) {
    pids = lines_of(read_text(procs));
    if (pids.size() < 2) usleep(10000);
  }
  ASSERT_EQ(pids.size(), 2u) << read_text(procs);
  for (const auto& pid : pids) {
    struct stat exe {};
    ASSERT_EQ(stat(("/proc/" + pid + "/exe").c_str(), &exe), 0) << pid;
    EXPECT_FALSE(exe.st_dev == host.st_dev && exe.st_ino == host.st_ino)
        << "process " << pid << " of the sandbox runs from the ringfence binary";
  }
}

// ---- finding 6 ----------------------------------------------------------------------------

class Smaller : public SandboxTest {};

// The cgroup namespace is rooted at the sandbox's own cgroup: nothing of the
// tree above it shows in /proc/self/cgroup.
TEST_F(Smaller, TheCgroupNamespaceIsRootedAtTheSandboxsCgroup) {
  auto r = rf(run_args({"--memory", "64m"}, "cat /proc/self/cgroup"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) EXPECT_TRUE(line.ends_with(":/")) << line;
}

TEST_F(Smaller, ExecGetsTheSandboxsRlimitsAndOomScore) {
  TempDir dir;
  write_file(dir / "p.toml",
             "[profile]\nschema = 1\nextends = \"default\"\n[resources]\noom_score_adj = 321\n[rlimits]\nnofile = 123\n");
  const std::string n = name("execlimits");
  auto started = rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", dir / "p.toml", "--",
                     "/bin/sleep", "300"});
  ASSERT_EQ(started.status, 0) << started.err;
  auto r = rf({"exec", n, "--", "/bin/sh", "-c", "ulimit -n; cat /proc/self/oom_score_adj"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "123\n321\n");
}

// strict strips setuid bits; one the sandbox's mapped root cannot even
// reach (inside a 0700 directory) is not its concern and must not fail
// the start.
TEST_F(Smaller, StrictStartsWithASetuidFileInsideA0700Directory) {
  TempDir dir;
  const std::string root = dir / "rootfs";
  ASSERT_EQ(std::system(fmt::format("cp -a {} {}", test_rootfs(), root).c_str()), 0);
  ASSERT_EQ(mkdir((root + "/private").c_str(), 0700), 0);
  std::filesystem::copy_file(root + "/bin/busybox", root + "/private/suid");
  ASSERT_EQ(chmod((root + "/private/suid").c_str(), 04755), 0);
  auto r = rf({"run", "--name", name("suid0700"), "--rootfs", root, "--profile", "strict", "--", "/bin/true"});
  EXPECT_EQ(r.status, 0) << r.err;
}

// On the host's root strict starts and leaves the bits of what it shows to
// nosuid: nothing is scanned or stripped there (docs/plan.md, suid.scan;
// suid_host_root_test.cpp shows that the bits grant nothing).
TEST_F(Smaller, StrictOnTheHostsRootStartsAndLeavesTheBitsToNosuid) {
  struct stat passwd {};
  if (stat("/usr/bin/passwd", &passwd) != 0 || !(passwd.st_mode & S_ISUID))
    GTEST_SKIP() << "this host has no setuid /usr/bin/passwd to look at";
  auto r = rf({"run", "--name", name("stricthost"), "--profile", "strict", "--", "/bin/sh", "-c",
               "stat -c %a /usr/bin/passwd; grep -c ' /usr .*nosuid' /proc/self/mountinfo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "4755\n1\n");
}

// ---- finding 8: a rootfs the mapped user cannot reach ---------------------------------------

class PrivateRootfs : public SandboxTest {};

TEST_F(PrivateRootfs, ARootfsAndAVolumeUnderA0700DirectoryWork) {
  TempDir dir;
  const std::string priv = dir / "private";
  ASSERT_EQ(mkdir(priv.c_str(), 0700), 0);
  ASSERT_EQ(std::system(fmt::format("cp -a {} {}/rootfs", test_rootfs(), priv).c_str()), 0);
  ASSERT_EQ(mkdir((priv + "/data").c_str(), 0755), 0);
  write_file(priv + "/data/hello", "hello\n");
  auto r = rf({"run", "--name", name("private"), "--rootfs", priv + "/rootfs", "-v", priv + "/data:/data:ro",
               "--profile", "strict", "--", "/bin/sh", "-c", "cat /data/hello; cat /proc/self/uid_map"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("hello"));
}

}  // namespace
}  // namespace ringfence::itest
