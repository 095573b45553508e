// The program's process: who it runs as (users and groups from the rootfs's
// own /etc/passwd and /etc/group), its environment, working directory, umask
// and rlimits; and a setuid-root file that must not give a non-root user
// root under any shipped profile but privileged.
#include <grp.h>
#include <sys/stat.h>
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

constexpr const char* kMountinfoScript = "echo BEGIN mountinfo; cat /proc/self/mountinfo; echo END mountinfo";

// ---- identity ------------------------------------------------------------------------------

// Gives this test process (and so the ringfence it starts) supplementary
// groups for the scope, so that a sandbox that kept them would show them.
class HostGroups {
 public:
  explicit HostGroups(std::vector<gid_t> groups) {
    saved_.resize(static_cast<std::size_t>(getgroups(0, nullptr)));
    saved_.resize(static_cast<std::size_t>(getgroups(static_cast<int>(saved_.size()), saved_.data())));
    ok_ = setgroups(groups.size(), groups.data()) == 0;
  }
  ~HostGroups() { setgroups(saved_.size(), saved_.data()); }
  HostGroups(const HostGroups&) = delete;
  HostGroups& operator=(const HostGroups&) = delete;
  bool ok() const { return ok_; }

 private:
  std::vector<gid_t> saved_;
  bool ok_ = false;
};

class Identity : public SandboxTest {};

TEST_F(Identity, UserByNameFromTheRootfsPasswd) {
  HostGroups host_groups({4, 27, 4242});
  ASSERT_TRUE(host_groups.ok());
  auto r = rf(run_args({"-u", "app"}, "id -u; id -g; id -un; id -gn; echo $HOME; "
                                      "grep -E '^(Uid|Gid|Groups|CapEff):' /proc/self/status"));
  ASSERT_EQ(r.status, 0) << r.err;
  // app is 1000 in the rootfs only: the host has no such user, so the names
  // prove the rootfs's passwd was read.
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 9u) << r.out;
  EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.begin() + 5),
            (std::vector<std::string>{"1000", "1000", "app", "app", "/home/app"}));
  EXPECT_EQ(squeeze(lines[5]), "Uid: 1000 1000 1000 1000");
  EXPECT_EQ(squeeze(lines[6]), "Gid: 1000 1000 1000 1000");
  // Only what the rootfs's /etc/group lists app in (audio, 29): none of the
  // test's own supplementary groups (4, 27, 4242) are kept.
  EXPECT_EQ(squeeze(lines[7]), "Groups: 29");
  EXPECT_EQ(squeeze(lines[8]), "CapEff: 0000000000000000") << "a non-root user has no capabilities";
}

TEST_F(Identity, UserAndGroupByNumber) {
  auto r = rf(run_args({"-u", "1000:29"}, "id -u; id -g; id -un; id -gn; id -G"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "1000\n29\napp\naudio\n29\n");
}

TEST_F(Identity, GroupAddGivesASupplementaryGroup) {
  auto app = rf(run_args({"-u", "app", "--group-add", "audio"}, "id -G; grep '^Groups:' /proc/self/status"));
  ASSERT_EQ(app.status, 0) << app.err;
  EXPECT_THAT(words_of(lines_of(app.out).at(0)), ::testing::Contains("29"));
  EXPECT_THAT(app.out, HasSubstr("Groups:\t29"));
  // As root, too: and ringfence's own supplementary groups are not kept.
  HostGroups host_groups({4, 27, 4242});
  ASSERT_TRUE(host_groups.ok());
  auto root = rf(run_args({"--group-add", "audio"}, "grep '^Groups:' /proc/self/status"));
  ASSERT_EQ(root.status, 0) << root.err;
  EXPECT_EQ(root.out, "Groups:\t29 \n");
}

TEST_F(Identity, AnUnknownUserOrGroupFailsClosed) {
  TempDir out;
  chmod(out.path().c_str(), 0777);
  for (const auto& flags : std::vector<std::vector<std::string>>{{"-u", "nosuchuser"},
                                                                 {"-u", "app:nosuchgroup"},
                                                                 {"-u", "app", "--group-add", "nosuchgroup"}}) {
    // /run exists in the rootfs: the shared rootfs gets no new mount point.
    std::vector<std::string> args = {"run", "--name", name("nouser"), "--rootfs", test_rootfs(), "-v",
                                     out.path() + ":/run"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--", "/bin/touch", "/run/ran"});
    auto r = rf(args);
    EXPECT_EQ(r.status, 125) << flags.back() << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("step 'user.groups' failed: no "));
    EXPECT_THAT(r.err, HasSubstr("'nosuch"));
    EXPECT_FALSE(exists(out / "ran")) << "the program ran as " << flags.back();
  }
}

TEST_F(Identity, TheHostsSupplementaryGroupsNeverReachAUserNamespace) {
  // In strict's user namespace setgroups is denied, so groups ringfence
  // itself holds cannot be dropped there; if they got in, they would still
  // open the host's files of those groups. A file only group 4242 may read:
  TempDir dir;
  write_file(dir / "group-only", "secret of group 4242\n");
  ASSERT_EQ(chown((dir / "group-only").c_str(), 0, 4242), 0);
  ASSERT_EQ(chmod((dir / "group-only").c_str(), 0040), 0);
  const std::string script = "cat /run/group-only; grep '^Groups:' /proc/self/status";
  auto check = [&](const Result& r, const char* how) {
    EXPECT_THAT(r.out, Not(HasSubstr("secret"))) << how << ": the host's group reached the sandbox";
    if (r.status == 0) {
      const auto lines = lines_of(r.out);
      ASSERT_FALSE(lines.empty()) << how;
      EXPECT_EQ(squeeze(lines.back()), "Groups:") << how;
    } else {  // or it refuses to run
      EXPECT_EQ(r.status, 125) << how << ": " << r.err;
      EXPECT_THAT(r.err, HasSubstr("step 'user.groups' failed")) << how;
    }
  };
  const std::string n = name("groups");
  {
    HostGroups host_groups({4242});
    ASSERT_TRUE(host_groups.ok());
    check(rf(run_args({"--profile", "strict", "-v", dir.path() + ":/run"}, script)), "run");
  }
  // The same for a process exec'd into a running sandbox.
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--profile", "strict", "-v",
                dir.path() + ":/run", "--", "/bin/sleep", "30"})
                .status,
            0);
  HostGroups host_groups({4242});
  ASSERT_TRUE(host_groups.ok());
  check(rf({"exec", n, "--", "/bin/sh", "-c", script}), "exec");
}

TEST_F(Identity, AnImagesHostilePasswdOrGroupFailsClosed) {
  // The rootfs is untrusted: its /etc/passwd may be a symlink to /dev/zero
  // (a line without end) and its /etc/group a FIFO (a read without end).
  // ringfence must refuse them, not eat memory or hang. (The memory limit
  // only keeps a regression from hurting the host.)
  RootfsCopy rootfs;
  ASSERT_TRUE(rootfs.ok());
  const std::string passwd = rootfs / "/etc/passwd", group = rootfs / "/etc/group";
  const std::string passwd_text = read_text(passwd);
  RunOptions o;
  o.timeout_seconds = 15;
  auto run = [&] {
    return rf({"run", "--name", name("hostile"), "--rootfs", rootfs.path(), "-m", "64m", "-u", "app", "--", "/bin/id"},
              o);
  };

  ASSERT_EQ(unlink(passwd.c_str()), 0);
  ASSERT_EQ(symlink("/dev/zero", passwd.c_str()), 0);
  auto zero = run();
  EXPECT_EQ(zero.status, 125) << zero.err;
  EXPECT_THAT(zero.err, HasSubstr("step 'user.groups' failed: the sandbox's /etc/passwd is not a regular file"));
  EXPECT_EQ(zero.out, "");

  ASSERT_EQ(unlink(passwd.c_str()), 0);
  write_file(passwd, passwd_text);
  ASSERT_EQ(unlink(group.c_str()), 0);
  ASSERT_EQ(mkfifo(group.c_str(), 0644), 0);
  auto fifo = run();
  EXPECT_EQ(fifo.status, 125) << fifo.err;
  EXPECT_THAT(fifo.err, HasSubstr("step 'user.groups' failed: the sandbox's /etc/group is not a regular file"));
  EXPECT_EQ(fifo.out, "");
}

TEST_F(Identity, HomeComesFromPasswd) {
  auto root = rf(run_args({}, "echo $HOME"));
  auto app = rf(run_args({"-u", "app"}, "echo $HOME"));
  auto unknown = rf(run_args({"-u", "4242"}, "echo \"[$HOME]\"; id -u; id -g"));
  ASSERT_EQ(root.status, 0) << root.err;
  ASSERT_EQ(app.status, 0) << app.err;
  ASSERT_EQ(unknown.status, 0) << unknown.err;
  EXPECT_EQ(root.out, "/root\n");
  EXPECT_EQ(app.out, "/home/app\n");
  // A uid the rootfs does not know: HOME=/ (as Docker), and ringfence's
  // documented choice of the group of the same number.
  EXPECT_EQ(unknown.out, "[/]\n4242\n4242\n");
}

// ---- environment, cwd, umask, rlimits ----------------------------------------------------------

class ProcessSettings : public SandboxTest {};

TEST_F(ProcessSettings, EnvironmentFromTheProfileAndTheCommandLineOnly) {
  TempDir dir;
  write_file(dir / "env.toml",
             "[profile]\nname = \"env\"\nextends = \"default\"\n[process.env]\nFROM_PROFILE = \"p\"\n"
             "OVERRIDDEN = \"profile\"\n");
  RunOptions o;
  o.env["RINGFENCE_HOST_ONLY"] = "leaked";  // ringfence's own environment must not leak in
  auto r = rf(run_args({"--profile", dir / "env.toml", "-e", "FOO=bar", "-e", "OVERRIDDEN=flag"}, "env | sort"), o);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("FOO=bar\n"));
  EXPECT_THAT(r.out, HasSubstr("FROM_PROFILE=p\n"));
  EXPECT_THAT(r.out, HasSubstr("OVERRIDDEN=flag\n")) << "-e wins over the profile";
  EXPECT_THAT(r.out, HasSubstr("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("RINGFENCE_HOST_ONLY")));
  EXPECT_THAT(r.out, Not(HasSubstr("OVERRIDDEN=profile")));
}

TEST_F(ProcessSettings, WorkdirSetsTheCwd) {
  auto r = rf(run_args({"-w", "/tmp"}, "pwd; readlink /proc/self/cwd; echo $PWD"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "/tmp\n/tmp\n/tmp\n");
  auto dflt = rf(run_args({}, "pwd"));
  EXPECT_EQ(dflt.out, "/\n");
}

TEST_F(ProcessSettings, UmaskIs0022WhateverRingfencesOwnIs) {
  const mode_t saved = umask(0077);  // inherited by ringfence; the profile's must win
  auto r = rf(run_args({}, "umask; touch /dev/shm/f; mkdir /dev/shm/d; stat -c '%a' /dev/shm/f /dev/shm/d"));
  umask(saved);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0022\n644\n755\n");
}

TEST_F(ProcessSettings, UlimitSetsSoftAndHardLimits) {
  auto r = rf(run_args({"--ulimit", "nofile=256:512"},
                       "ulimit -n; ulimit -Hn; ulimit -Hn 4096 2>/dev/null && echo raised; "
                       "grep 'Max open files' /proc/self/limits"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], "256");
  EXPECT_EQ(lines[1], "512");
  EXPECT_EQ(squeeze(lines[2]), "Max open files 256 512 files") << "the program cannot raise its hard limit";
}

// ---- setuid files ------------------------------------------------------------------------------

// A copy of the test rootfs with the probe installed as /bin/suid-probe,
// setuid root (mode 4755, owner 0:0).
class Suid : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(rootfs_.ok());
    std::filesystem::copy_file(RINGFENCE_EUID_PROBE, probe());
    ASSERT_EQ(chown(probe().c_str(), 0, 0), 0);
    ASSERT_EQ(chmod(probe().c_str(), 04755), 0);
  }
  std::string probe() const { return rootfs_ / "/bin/suid-probe"; }

  Result run_probe(const std::vector<std::string>& flags) {
    std::vector<std::string> a = {"run", "--name", name("suid"), "--rootfs", rootfs_.path(), "-u", "app"};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "/bin/suid-probe"});
    return rf(a);
  }

  RootfsCopy rootfs_;
};

TEST_F(Suid, TheProbeReallyIsSetuidRootOnTheHost) {
  // The control: run directly on the host as uid 1000, the probe does gain
  // euid 0 — so when a sandbox shows euid 1000, the sandbox did it.
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    if (setgroups(0, nullptr) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) _exit(126);
    execl(probe().c_str(), "suid-probe", nullptr);
    _exit(127);
  }
  close(out[1]);
  char buf[128] = {};
  const ssize_t n = read(out[0], buf, sizeof buf - 1);
  close(out[0]);
  EXPECT_EQ(wait_status(pid), 0);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "ruid=1000 euid=0 suid=0\n");
}

class SuidUnderProfile : public Suid, public ::testing::WithParamInterface<std::string> {};

TEST_P(SuidUnderProfile, ASetuidRootFileGivesANonRootUserNothing) {
  auto r = run_probe({"--profile", GetParam()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "ruid=1000 euid=1000 suid=1000\n") << "under " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Shipped, SuidUnderProfile,
                         ::testing::Values("default", "application", "system-service", "low-level-service", "strict"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST_F(Suid, EachDefenceHoldsOnItsOwn) {
  // no_new_privs off: the root's nosuid mount alone stops it.
  auto nosuid_only = rf({"run", "--name", name("suid"), "--rootfs", rootfs_.path(), "-u", "app", "--security-opt",
                         "no-new-privileges=false", "--", "/bin/sh", "-c",
                         "/bin/suid-probe; grep '^NoNewPrivs:' /proc/self/status"});
  ASSERT_EQ(nosuid_only.status, 0) << nosuid_only.err;
  EXPECT_EQ(nosuid_only.out, "ruid=1000 euid=1000 suid=1000\nNoNewPrivs:\t0\n") << "nosuid root, no_new_privs off";

  // A volume mounted with suid: no_new_privs alone stops it.
  TempDir dir;
  std::filesystem::copy_file(RINGFENCE_EUID_PROBE, dir / "suid-probe");
  ASSERT_EQ(chmod((dir / "suid-probe").c_str(), 04755), 0);
  auto r = rf({"run", "--name", name("suid"), "--rootfs", rootfs_.path(), "-u", "app", "-v",
               dir.path() + ":/mnt/s:suid", "--", "/bin/sh", "-c",
               "/mnt/s/suid-probe; grep '^NoNewPrivs:' /proc/self/status; " + std::string(kMountinfoScript)});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("ruid=1000 euid=1000 suid=1000\nNoNewPrivs:\t1\n"))
      << "suid volume, no_new_privs on";
  const auto mounts = parse_mountinfo(section(r.out, "mountinfo"));
  EXPECT_FALSE(flags_at(mounts, "/mnt/s").count("nosuid"))
      << "the volume really is suid: " << joined(flags_at(mounts, "/mnt/s"));
  EXPECT_NE(visible_mount(mounts, "/mnt/s"), nullptr);
}

TEST_F(Suid, ThePrivilegedProfileHonoursSetuidBits) {
  // What we observe, and what Docker's --privileged does too: no
  // no_new_privs, and the rootfs mounted without nosuid, so a setuid-root
  // file gives root. `ringfence lint` and the run's warning name this.
  auto r = run_probe({"--profile", "privileged"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "ruid=1000 euid=0 suid=0\n");
  EXPECT_THAT(r.err, HasSubstr("this sandbox is privileged"));
}

}  // namespace
}  // namespace ringfence::itest
