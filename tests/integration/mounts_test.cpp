// The sandbox's mounts, as its own /proc/self/mountinfo shows them: the
// root's flags, /proc, /tmp, /dev/shm and /sys; volumes with exactly the
// flags asked for, recursive binds that carry them onto submounts; masked
// and read-only paths; /dev; and volume targets that try to climb out of the
// rootfs through symlinks.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>

#include "harness.h"
#include "views.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Flags = std::set<std::string>;
const std::string kMountinfo = "echo BEGIN mountinfo; cat /proc/self/mountinfo; echo END mountinfo; ";

std::vector<Mount> mounts_in(const Result& r) { return parse_mountinfo(section(r.out, "mountinfo")); }

bool has_flags(const Flags& flags, const Flags& wanted) {
  for (const auto& f : wanted)
    if (!flags.count(f)) return false;
  return true;
}

// A host directory a sandbox's root (uid 0, or 100000 in a user namespace)
// can use as a volume.
class Volume : public TempDir {
 public:
  Volume() : TempDir("ringfence-vol") { chmod(path().c_str(), 0777); }
};

// ---- the standard mounts ------------------------------------------------------------------

class MountFlags : public SandboxTest {};

TEST_F(MountFlags, OnTheHostRootEverythingHasItsFlags) {
  const std::string binary = std::filesystem::canonical(RINGFENCE_BINARY).string();
  auto r = rf(run_args({}, kMountinfo, true));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto mounts = mounts_in(r);
  ASSERT_FALSE(mounts.empty()) << r.out;

  EXPECT_TRUE(has_flags(flags_at(mounts, "/"), {"ro", "nosuid", "nodev"})) << joined(flags_at(mounts, "/"));
  EXPECT_EQ(flags_at(mounts, "/proc"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_EQ(fstype_at(mounts, "/proc"), "proc");
  EXPECT_EQ(flags_at(mounts, "/tmp"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_EQ(fstype_at(mounts, "/tmp"), "tmpfs") << "a private /tmp, not the host's";
  EXPECT_EQ(flags_at(mounts, "/dev/shm"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_TRUE(has_flags(flags_at(mounts, "/dev"), {"nosuid", "noexec"})) << joined(flags_at(mounts, "/dev"));
  EXPECT_TRUE(has_flags(flags_at(mounts, "/sys"), {"ro", "nosuid", "nodev", "noexec"}))
      << joined(flags_at(mounts, "/sys"));
  EXPECT_TRUE(has_flags(flags_at(mounts, "/sys/fs/cgroup"), {"ro"}));

  // Every host mount carried in under the root is read-only too (bound
  // with AT_RECURSIVE): only what ringfence mounted itself may be writable.
  for (const auto& m : mounts) {
    const Flags flags = mount_flags(m);
    if (flags.count("ro")) continue;
    const bool ours = m.point == "/tmp" || m.point == "/proc" || m.point.rfind("/proc/", 0) == 0 ||
                      m.point == "/dev" || m.point.rfind("/dev/", 0) == 0 || m.point == binary;
    EXPECT_TRUE(ours) << "writable host mount inside: " << m.point << " " << m.options;
  }
}

TEST_F(MountFlags, WithARootfsTheRootIsWritableUnlessReadOnly) {
  auto rw = rf(run_args({}, kMountinfo));
  ASSERT_EQ(rw.status, 0) << rw.err;
  EXPECT_EQ(flags_at(mounts_in(rw), "/"), (Flags{"rw", "nosuid", "nodev"}));
  EXPECT_EQ(flags_at(mounts_in(rw), "/proc"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_EQ(flags_at(mounts_in(rw), "/dev/shm"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_TRUE(has_flags(flags_at(mounts_in(rw), "/sys"), {"ro", "nosuid", "nodev", "noexec"}));

  const std::string probe = "/ringfence-probe-" + std::to_string(getpid());
  auto ro = rf(run_args({"--read-only"}, kMountinfo + "touch " + probe + " 2>&1; true"));
  ASSERT_EQ(ro.status, 0) << ro.err;
  EXPECT_EQ(flags_at(mounts_in(ro), "/"), (Flags{"ro", "nosuid", "nodev"}));
  EXPECT_THAT(ro.out, HasSubstr("touch: " + probe + ": Read-only file system"));
  EXPECT_FALSE(exists(test_rootfs() + probe));
}

TEST_F(MountFlags, StrictsTmpIsAPrivateNoexecTmpfs) {
  auto r = rf(run_args({"--profile", "strict"}, kMountinfo));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto mounts = mounts_in(r);
  EXPECT_EQ(flags_at(mounts, "/"), (Flags{"ro", "nosuid", "nodev"}));
  EXPECT_EQ(flags_at(mounts, "/tmp"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_EQ(fstype_at(mounts, "/tmp"), "tmpfs");
  EXPECT_EQ(flags_at(mounts, "/dev/shm"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_EQ(flags_at(mounts, "/proc"), (Flags{"rw", "nosuid", "nodev", "noexec"}));
  EXPECT_TRUE(has_flags(flags_at(mounts, "/sys"), {"ro"}));
}

// ---- volumes --------------------------------------------------------------------------------

class Volumes : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(rootfs_.ok());
  }
  // run_args on the private rootfs copy: volume targets are created in it.
  std::vector<std::string> args(std::vector<std::string> flags, const std::string& script) {
    std::vector<std::string> a = {"run", "--name", name("vol"), "--rootfs", rootfs_.path()};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "/bin/sh", "-c", script});
    return a;
  }
  RootfsCopy rootfs_;
};

TEST_F(Volumes, EachVolumeHasExactlyTheFlagsAskedFor) {
  Volume a, b, c;
  auto r = rf(args({"-v", a.path() + ":/mnt/x:ro,nosuid,nodev,noexec", "-v", b.path() + ":/mnt/y", "-v",
                    c.path() + ":/mnt/z:rw,suid,dev,exec"},
                   kMountinfo));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto mounts = mounts_in(r);
  EXPECT_EQ(flags_at(mounts, "/mnt/x"), (Flags{"ro", "nosuid", "nodev", "noexec"}));
  EXPECT_EQ(flags_at(mounts, "/mnt/y"), (Flags{"rw", "nosuid", "nodev"})) << "the default: nosuid, nodev";
  EXPECT_EQ(flags_at(mounts, "/mnt/z"), (Flags{"rw"})) << "suid, dev and exec asked for explicitly";
  // Each is the host directory it names.
  const Mount* x = visible_mount(mounts, "/mnt/x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->root, a.path());
}

TEST_F(Volumes, AReadOnlyVolumeRefusesWritesWithEROFS) {
  Volume ro, rw;
  write_file(ro / "existing", "keep me\n");
  auto r = rf(args({"-v", ro.path() + ":/mnt/ro:ro", "-v", rw.path() + ":/mnt/rw"},
                   "echo new > /mnt/ro/new; mkdir /mnt/ro/dir; rm /mnt/ro/existing; echo more >> /mnt/ro/existing; "
                   "echo written > /mnt/rw/new; cat /mnt/ro/existing; true"));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string all = r.out + r.err;
  EXPECT_THAT(all, HasSubstr("can't create /mnt/ro/new: Read-only file system"));
  EXPECT_THAT(all, HasSubstr("mkdir: can't create directory '/mnt/ro/dir': Read-only file system"));
  EXPECT_THAT(all, HasSubstr("rm: can't remove '/mnt/ro/existing': Read-only file system"));
  EXPECT_THAT(all, HasSubstr("can't create /mnt/ro/existing: Read-only file system"));
  EXPECT_THAT(r.out, HasSubstr("keep me\n")) << "readable";
  EXPECT_FALSE(exists(ro / "new"));
  EXPECT_FALSE(exists(ro / "dir"));
  EXPECT_EQ(read_text(ro / "existing"), "keep me\n");
  // The control: the same writes go through a writable volume.
  EXPECT_EQ(read_text(rw / "new"), "written\n");
}

TEST_F(Volumes, ARecursiveBindCarriesItsFlagsOntoSubmounts) {
  Volume source;
  HostTmpfs sub(source / "sub");
  ASSERT_TRUE(sub.ok()) << "mount a tmpfs on " << (source / "sub");
  write_file(source / "sub/marker", "from the submount\n");
  auto r = rf(args({"-v", source.path() + ":/mnt/x:ro,nosuid,nodev,noexec"},
                   kMountinfo + "cat /mnt/x/sub/marker; echo new > /mnt/x/sub/new; true"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto mounts = mounts_in(r);
  const Mount* m = visible_mount(mounts, "/mnt/x/sub");
  ASSERT_NE(m, nullptr) << "the submount came along (rbind)";
  EXPECT_EQ(m->fstype, "tmpfs");
  EXPECT_EQ(mount_flags(*m), (Flags{"ro", "nosuid", "nodev", "noexec"}))
      << "mount_setattr with AT_RECURSIVE: the submount is as locked as the volume";
  EXPECT_THAT(r.out, HasSubstr("from the submount\n"));
  EXPECT_THAT(r.err, HasSubstr("can't create /mnt/x/sub/new: Read-only file system"));
  EXPECT_FALSE(exists(source / "sub/new"));
}

TEST_F(Volumes, ANonRecursiveBindLeavesSubmountsOut) {
  Volume source;
  HostTmpfs sub(source / "sub");
  ASSERT_TRUE(sub.ok());
  write_file(source / "sub/marker", "from the submount\n");
  auto r = rf(args({"-v", source.path() + ":/mnt/x:bind"}, kMountinfo + "ls -A /mnt/x/sub; echo listed"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto mounts = mounts_in(r);
  EXPECT_EQ(visible_mount(mounts, "/mnt/x/sub"), nullptr);
  EXPECT_THAT(r.out, HasSubstr("END mountinfo\nlisted\n")) << "the directory under the submount is empty";
}

// ---- masked and read-only paths -------------------------------------------------------------------

class MaskedPaths : public SandboxTest {};

// Whether the host's /sys/firmware has entries: only then does an empty one
// inside show a mask (a VM without ACPI or DMI has an empty one).
bool host_firmware_has_entries() {
  std::error_code ec;
  return !std::filesystem::is_empty("/sys/firmware", ec) && !ec;
}

TEST_F(MaskedPaths, SensitiveKernelFilesReadEmpty) {
  // Reading nothing inside means a mask only where the host has content;
  // the mounts that cover them are checked whatever the host has.
  const bool timer_list = !read_text("/proc/timer_list").empty();
  const bool firmware = host_firmware_has_entries();
  if (!timer_list && !firmware)
    GTEST_SKIP() << "this host's /proc/timer_list and /sys/firmware are empty: an empty view inside shows nothing";
  auto r = rf(run_args({}, "for f in /proc/timer_list /proc/keys; do echo \"$f $(cat $f 2>/dev/null | wc -c)\"; done; "
                           "[ -d /sys/firmware ] && echo firmware-is-dir; echo BEGIN firmware; ls -A /sys/firmware; "
                           "echo END firmware; " + kMountinfo));
  ASSERT_EQ(r.status, 0) << r.err;
  if (timer_list) {
    EXPECT_THAT(r.out, HasSubstr("/proc/timer_list 0\n"));
  }
  EXPECT_THAT(r.out, HasSubstr("/proc/keys 0\n"));
  EXPECT_THAT(r.out, HasSubstr("firmware-is-dir\n"));
  if (firmware) {
    EXPECT_EQ(section(r.out, "firmware"), "") << "/sys/firmware is an empty directory";
  }
  const auto mounts = mounts_in(r);
  for (const char* p : {"/proc/timer_list", "/proc/keys", "/sys/firmware"})
    EXPECT_NE(visible_mount(mounts, p), nullptr) << p << " is covered";
}

TEST_F(MaskedPaths, ProcSysRefusesWrites) {
  // /proc/sys/kernel/hostname belongs to the sandbox's own UTS namespace, so
  // even if the protection were missing the host would not be touched.
  auto r = rf(run_args({}, "echo renamed > /proc/sys/kernel/hostname; hostname; " + kMountinfo));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("can't create /proc/sys/kernel/hostname: Read-only file system"));
  EXPECT_THAT(r.out, HasSubstr("sandbox\n"));
  const auto mounts = mounts_in(r);
  for (const char* p : {"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq"}) {
    const Mount* m = visible_mount(mounts, p);
    if (m == nullptr && !exists(p)) continue;  // not on this kernel
    ASSERT_NE(m, nullptr) << p;
    EXPECT_TRUE(mount_flags(*m).count("ro")) << p << ": " << m->options;
  }
}

TEST_F(MaskedPaths, ThePrivilegedProfileMasksNothing) {
  // Reads only: a privileged sandbox could really change the host's /proc/sys.
  auto r = rf(run_args({"--profile", "privileged"},
                       "wc -c < /proc/timer_list; echo BEGIN firmware; ls -A /sys/firmware; echo END firmware; " +
                           kMountinfo));
  ASSERT_EQ(r.status, 0) << r.err;
  if (!read_text("/proc/timer_list").empty()) {
    EXPECT_NE(lines_of(r.out).at(0), "0") << "/proc/timer_list has content";
  }
  if (host_firmware_has_entries()) {
    EXPECT_NE(section(r.out, "firmware"), "");
  }
  const auto mounts = mounts_in(r);
  for (const char* p : {"/proc/timer_list", "/proc/keys", "/sys/firmware", "/proc/sys", "/proc/sysrq-trigger"})
    EXPECT_EQ(visible_mount(mounts, p), nullptr) << p << " is covered under privileged";
}

// ---- /dev -----------------------------------------------------------------------------------------

class Dev : public SandboxTest {};

const Flags kStandardDev = {"null", "zero",   "full",  "random", "urandom", "tty",    "ptmx",
                            "pts",  "shm",    "mqueue", "fd",    "stdin",   "stdout", "stderr"};

TEST_F(Dev, OnlyTheStandardNodes) {
  // The host's /dev must have something besides the standard nodes (kmsg,
  // a disk, ttyS0...), or an /dev inside without it shows nothing.
  std::set<std::string> host_only;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec))
    if (!kStandardDev.count(e.path().filename().string())) host_only.insert(e.path().filename().string());
  if (host_only.empty()) GTEST_SKIP() << "the host's /dev has only the standard nodes: nothing to keep out";
  std::string disk;
  for (const char* d : {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"})
    if (exists(d)) disk = d;
  for (const char* profile : {"default", "strict"}) {
    auto r = rf(run_args({"--profile", profile},
                         "echo BEGIN dev; ls -A /dev; echo END dev; stat -c '%F %t:%T' /dev/null; "
                         "head -c 64 /dev/urandom | wc -c; head -c 8 /dev/zero | wc -c; echo x > /dev/null && "
                         "echo null-ok"));
    ASSERT_EQ(r.status, 0) << profile << ": " << r.err;
    const auto inside = words_of(section(r.out, "dev"));
    EXPECT_EQ(inside, kStandardDev) << profile;
    for (const auto& d : host_only) EXPECT_FALSE(inside.count(d)) << profile << ": the host's /dev/" << d;
    EXPECT_THAT(r.out, HasSubstr("character special file 1:3\n")) << profile;
    EXPECT_THAT(r.out, HasSubstr("END dev\ncharacter special file 1:3\n64\n8\nnull-ok\n")) << profile;
    if (!disk.empty()) {
      EXPECT_THAT(section(r.out, "dev"), Not(HasSubstr(disk.substr(5))));
    }
  }
}

TEST_F(Dev, NodesHaveTheModeOfThePlanMadeOrBoundFromTheHost) {
  // Made with mknod when the sandbox shares the host's users, bound from the
  // host's /dev in a user namespace: either way 0666, whatever ringfence's
  // umask (the harness runs it with 022), and the directories on top with
  // theirs.
  const std::string nodes = "/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty";
  for (const auto& flags : std::vector<std::vector<std::string>>{{}, {"--userns", "auto"}}) {
    auto r = rf(run_args(flags, "stat -c '%a %F' " + nodes + " /dev/pts /dev/shm /dev/mqueue"));
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string node = "666 character special file\n";
    EXPECT_EQ(r.out, node + node + node + node + node + node + "755 directory\n1777 directory\n1777 directory\n")
        << (flags.empty() ? "without" : "with") << " a user namespace";
  }
}

TEST_F(Dev, TheDeviceCgroupRefusesANodeTheSandboxMakes) {
  // The default profile keeps CAP_MKNOD (as Docker does): a node for the
  // host's disk can be made, but the device cgroup refuses opening it.
  std::string disk;
  for (const char* d : {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"})
    if (exists(d)) disk = d;
  if (disk.empty()) GTEST_SKIP() << "no disk device on this host";
  struct stat st {};
  ASSERT_EQ(stat(disk.c_str(), &st), 0);
  const std::string mk = "mknod /dev/disk-probe b " + std::to_string(major(st.st_rdev)) + " " +
                         std::to_string(minor(st.st_rdev));
  auto r = rf(run_args({}, mk + " && echo made; head -c 1 /dev/disk-probe | wc -c"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("made\n0\n"));
  EXPECT_THAT(r.err, HasSubstr("/dev/disk-probe: Operation not permitted"));
}

// ---- symlinks out of the rootfs ---------------------------------------------------------------

class SymlinkEscape : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(rootfs_.ok());
    // The rootfs's traps, as make-rootfs.sh lays them.
    ASSERT_EQ(host_link(rootfs_ / "/data/host-etc"), "/etc");
    ASSERT_EQ(host_link(rootfs_ / "/data/up-etc"), "../../../../../../etc");
  }
  void TearDown() override {
    // Should a test fail, what escaped is not left in the host's /etc.
    std::error_code ec;
    for (const char* suffix : {"", "-back"}) std::filesystem::remove_all("/etc/" + marker_ + suffix, ec);
    SandboxTest::TearDown();
  }
  RootfsCopy rootfs_;
  const std::string marker_ = "ringfence-escape-" + std::to_string(getpid());
};

TEST_F(SymlinkEscape, AnAbsoluteSymlinkTargetStaysInsideTheRootfs) {
  Volume volume;
  const std::string& marker = marker_;
  write_file(volume / marker, "from the volume\n");
  ASSERT_FALSE(exists("/etc/" + marker));
  auto r = rf({"run", "--name", name("escape"), "--rootfs", rootfs_.path(), "-v", volume.path() + ":/data/host-etc",
               "--", "/bin/sh", "-c", "cat /etc/" + marker + "; echo written > /etc/" + marker + "-back; " + kMountinfo});
  ASSERT_EQ(r.status, 0) << r.err;
  // Inside, the volume covers the rootfs's /etc: /data/host-etc -> /etc
  // resolved inside the root.
  EXPECT_THAT(r.out, HasSubstr("from the volume\n"));
  const auto mounts = mounts_in(r);
  EXPECT_NE(visible_mount(mounts, "/etc"), nullptr) << "mounted on the rootfs's /etc";
  EXPECT_EQ(read_text(volume / (marker + "-back")), "written\n");
  // The host's /etc saw nothing.
  EXPECT_FALSE(exists("/etc/" + marker));
  EXPECT_FALSE(exists("/etc/" + marker + "-back"));
  // And the rootfs's own /etc is intact underneath.
  EXPECT_THAT(read_text(rootfs_ / "/etc/passwd"), HasSubstr("app:x:1000:1000"));
}

TEST_F(SymlinkEscape, ASymlinkClimbingWithDotDotStaysInsideTheRootfs) {
  Volume volume;
  const std::string& marker = marker_;
  write_file(volume / "marker", "from the volume\n");
  ASSERT_FALSE(exists("/etc/" + marker));
  const std::string target = "/data/up-etc/" + marker;  // up-etc -> ../../../../../../etc
  auto r = rf({"run", "--name", name("escape"), "--rootfs", rootfs_.path(), "-v", volume.path() + ":" + target, "--",
               "/bin/sh", "-c", "cat /etc/" + marker + "/marker; " + kMountinfo});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("from the volume\n"));
  const auto mounts = mounts_in(r);
  EXPECT_NE(visible_mount(mounts, "/etc/" + marker), nullptr);
  // The mount point was created under the rootfs's /etc, never the host's.
  EXPECT_TRUE(std::filesystem::is_directory(rootfs_ / ("/etc/" + marker)));
  EXPECT_FALSE(exists("/etc/" + marker));
}

// A ".." in a volume's path makes openat2 answer EAGAIN whenever any mount or
// rename happens on the host during the walk — which other sandboxes starting
// in parallel do all the time. That race must cost a retry, never the run.
TEST_F(SymlinkEscape, ClimbingWithDotDotSurvivesMountsElsewhereOnTheHost) {
  TempDir churn("ringfence-churn");
  std::atomic<bool> stop{false};
  std::thread mounter([&] {
    while (!stop.load()) {
      if (mount("churn", churn.path().c_str(), "tmpfs", 0, "size=4k") == 0) umount2(churn.path().c_str(), MNT_DETACH);
    }
  });
  Volume volume;
  write_file(volume / "marker", "from the volume\n");
  const std::string target = "/data/up-etc/" + marker_;
  int failures = 0;
  std::string last_error;
  for (int i = 0; i < 10; ++i) {
    auto r = rf({"run", "--name", name("churn"), "--rootfs", rootfs_.path(), "-v", volume.path() + ":" + target, "--",
                 "/bin/cat", "/etc/" + marker_ + "/marker"});
    if (r.status != 0 || r.out != "from the volume\n") {
      ++failures;
      last_error = r.err;
    }
  }
  stop = true;
  mounter.join();
  EXPECT_EQ(failures, 0) << last_error;
}

}  // namespace
}  // namespace ringfence::itest
