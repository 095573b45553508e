#include "harness.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "leaks.h"

namespace ringfence::itest {
namespace {

// What the child execs, made before the fork. The test forks from many
// threads at once (Stress runs 20): between fork and exec the child may
// only make async-signal-safe calls — a malloc there can wait for ever on a
// lock another thread held at the fork (seen under ASan: a `run` that never
// started, killed by the harness's timeout).
struct ExecImage {
  std::vector<std::string> strings;  // argv, then envp, owned
  std::vector<char*> argv, envp;
  std::vector<int> extra_fds;
  std::optional<std::pair<uid_t, gid_t>> as_user;
  const char* binary = nullptr;
};

ExecImage exec_image(const std::vector<std::string>& args, const RunOptions& options) {
  ExecImage image;
  image.binary = options.binary.empty() ? RINGFENCE_BINARY : options.binary.c_str();
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    if (std::find(options.unset_env.begin(), options.unset_env.end(), key) != options.unset_env.end()) continue;
    if (options.env.count(key)) continue;
    env.push_back(entry);
  }
  for (const auto& [k, v] : options.env) env.push_back(k + "=" + v);
  image.strings.push_back(image.binary);
  image.strings.insert(image.strings.end(), args.begin(), args.end());
  const std::size_t argc = image.strings.size();
  image.strings.insert(image.strings.end(), env.begin(), env.end());
  for (std::size_t i = 0; i < image.strings.size(); ++i)
    (i < argc ? image.argv : image.envp).push_back(image.strings[i].data());
  image.argv.push_back(nullptr);
  image.envp.push_back(nullptr);
  image.extra_fds = options.extra_fds;
  image.as_user = options.as_user;
  return image;
}

// In the forked child: async-signal-safe calls only.
[[noreturn]] void exec_prepared(const ExecImage& image) {
  for (int fd : image.extra_fds) fcntl(fd, F_SETFD, 0);  // inherited on purpose
  if (image.as_user) {
    const auto [uid, gid] = *image.as_user;
    if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) _exit(126);
  }
  execve(image.binary, image.argv.data(), image.envp.data());
  _exit(127);
}

void drain(int fd, std::string& out) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace

int wait_status(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

Result ringfence(const std::vector<std::string>& args, const RunOptions& options) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return {};
  const ExecImage image = exec_image(args, options);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    exec_prepared(image);
  }
  close(out[1]);
  close(err[1]);
  Result r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      r.err += "\n[harness: timed out]\n";
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP))) continue;
      std::string& sink = p.fd == out[0] ? r.out : r.err;
      const std::size_t before = sink.size();
      drain(p.fd, sink);
      if (sink.size() == before) {
        close(p.fd);
        p.fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& p : fds)
    if (p.fd >= 0) close(p.fd);
  r.status = wait_status(pid);
  return r;
}

pid_t ringfence_async(const std::vector<std::string>& args, const RunOptions& options) {
  const ExecImage image = exec_image(args, options);
  const pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    exec_prepared(image);
  }
  return pid;
}

const std::string& binary_for_other_users() {
  static TempDir dir("ringfence-bin");
  static const std::string path = [] {
    const std::string copy = dir / "ringfence";
    std::error_code ec;
    std::filesystem::copy_file(RINGFENCE_BINARY, copy, ec);
    chmod(copy.c_str(), 0755);
    // With the small supervisor beside it, as a build has it (handover.h).
    const auto small = std::filesystem::path(RINGFENCE_BINARY).parent_path() / "ringfence-supervisor";
    std::error_code small_ec;
    std::filesystem::copy_file(small, dir / "ringfence-supervisor", small_ec);
    chmod((dir / "ringfence-supervisor").c_str(), 0755);
    return ec || small_ec ? std::string() : copy;
  }();
  return path;
}

const std::string& test_rootfs() {
  static const std::string path = RINGFENCE_TEST_ROOTFS;
  return path;
}

std::string notify_burst_dir() { return std::filesystem::path(RINGFENCE_NOTIFY_BURST).parent_path().string(); }

std::string notify_burst_in_sandbox() {
  return "/data/" + std::filesystem::path(RINGFENCE_NOTIFY_BURST).filename().string();
}

namespace {

// A /proc/PID/mountinfo line's mount point (its fifth field; the cgroup
// mounts these tests look for have no spaces to escape).
std::string mount_point_of(const std::string& line) {
  std::istringstream fields(line);
  std::string id, parent, devno, root, point;
  fields >> id >> parent >> devno >> root >> point;
  return point;
}

}  // namespace

HugetlbHierarchy::HugetlbHierarchy() {
  if (read_text("/proc/cgroups").find("\nhugetlb\t") == std::string::npos) {
    skip_ = "this kernel has no hugetlb cgroup controller";
    return;
  }
  // A v1 mount of the host's: its super options name the controller.
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    const auto dash = line.find(" - cgroup cgroup ");
    if (dash == std::string::npos) continue;
    std::istringstream super(line.substr(dash + 17));
    std::string options;
    super >> options;
    if (("," + options + ",").find(",hugetlb,") == std::string::npos) continue;
    path_ = mount_point_of(line);
    return;
  }
  if (exists("/sys/fs/cgroup/cgroup.controllers")) {
    skip_ = "cgroup v2 hosts (hugetlb.SIZE.max) are covered by the unit tests; this one is checked on v1";
    return;
  }
  dir_ = "/tmp/ringfence-hugetlb-XXXXXX";
  if (mkdtemp(dir_.data()) == nullptr) {
    skip_ = fmt::format("mkdtemp: {}", strerror(errno));
    dir_.clear();
    return;
  }
  host_ns_ = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  cwd_ = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  // Private before the mount, or it would reach the host through the
  // shared mounts the new namespace copied.
  if (host_ns_ < 0 || unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    ADD_FAILURE() << "a mount namespace of the test's own: " << strerror(errno);
    skip_ = "no private mount namespace";
    return;
  }
  if (mount("cgroup", dir_.c_str(), "cgroup", 0, "hugetlb") != 0) {
    // EBUSY: the cgroup v2 tree uses hugetlb (enabled in a subtree_control).
    skip_ = fmt::format("hugetlb could not be mounted as a v1 hierarchy: {}", strerror(errno));
    return;
  }
  path_ = dir_;
}

namespace {

// Whether any process's mount namespace shows a v1 hugetlb hierarchy.
bool hugetlb_mounted_anywhere() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "mountinfo");
    for (std::string line; std::getline(in, line);)
      if (line.find(" - cgroup cgroup ") != std::string::npos && line.find("hugetlb") != std::string::npos) return true;
  }
  return false;
}

// Whether the cgroup v2 tree offers hugetlb again (a hybrid host's
// /sys/fs/cgroup/unified, or wherever cgroup2 is mounted).
bool hugetlb_back_on_v2() {
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    const std::string controllers = read_text(mount_point_of(line) + "/cgroup.controllers");
    return (" " + controllers + " ").find(" hugetlb") != std::string::npos;
  }
  return true;  // no v2 tree to give it back to
}

// The kernel keeps an unmounted v1 hierarchy while a cgroup of it is still
// dying (a sandbox's, for a moment after its rmdir). hugetlb then stays
// bound to a hierarchy no mount shows: every process lists a hugetlb cgroup
// nothing mounts, and containerd's shim, which cannot load that, stops
// reporting OOM kills (Engines/EngineTest.MemoryLimitAndOom/docker failed
// so). The last test out mounts and unmounts it again until the kernel lets
// it go, as bench/lib.sh does for crun.
void give_hugetlb_back(const std::string& dir) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!hugetlb_back_on_v2()) {
    if (hugetlb_mounted_anywhere()) return;  // a test beside this one still uses it: its to give back
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "hugetlb did not return to cgroup v2: mount and unmount a v1 hugetlb hierarchy again";
      return;
    }
    if (mount("cgroup", dir.c_str(), "cgroup", 0, "hugetlb") == 0) umount(dir.c_str());
    poll(nullptr, 0, 100);  // the dying cgroups go by RCU callbacks and workqueues, which nothing can wait on
  }
}

}  // namespace

HugetlbHierarchy::~HugetlbHierarchy() {
  if (private_mount()) {
    if (!path_.empty()) {
      std::error_code ec;
      // This test's sandboxes only (SandboxTest::name's "tPID-"): the tests
      // running beside it mount the same hierarchy for theirs.
      const std::string mine = fmt::format("t{}-", getpid());
      for (const auto& e : std::filesystem::directory_iterator(path_ + "/ringfence", ec)) {
        if (!e.is_directory(ec) || e.path().filename().string().rfind(mine, 0) != 0) continue;
        ADD_FAILURE() << "left behind in the hugetlb hierarchy: " << e.path();
        remove_cgroup_tree(e.path().string());
      }
      rmdir((path_ + "/ringfence").c_str());  // the last test out removes it
      EXPECT_EQ(umount(path_.c_str()), 0) << strerror(errno);
      give_hugetlb_back(path_);
    }
    EXPECT_EQ(setns(host_ns_, CLONE_NEWNS), 0) << strerror(errno);
    if (cwd_ >= 0) {
      EXPECT_EQ(fchdir(cwd_), 0);
    }
  }
  if (host_ns_ >= 0) close(host_ns_);
  if (cwd_ >= 0) close(cwd_);
  if (!dir_.empty()) rmdir(dir_.c_str());
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  char* p = mkdtemp(tmpl.data());
  path_ = p ? p : "";
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::string shell(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) {
    if (status) *status = -1;
    return out;
  }
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int rc = pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

void layer_tar(const std::string& path, const std::string& script) {
  const std::string py = "import io, tarfile\nt = tarfile.open('" + path +
                         "', 'w', format=tarfile.PAX_FORMAT)\n"
                         "def add_file(name, data=b'x', mode=0o644):\n"
                         "    i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode\n"
                         "    t.addfile(i, io.BytesIO(data))\n"
                         "def add_dir(name, mode=0o755):\n"
                         "    i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = mode\n"
                         "    t.addfile(i)\n"
                         "def add_symlink(name, target):\n"
                         "    i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target\n"
                         "    t.addfile(i)\n" +
                         script + "\nt.close()\n";
  const std::string file = path + ".py";
  std::ofstream(file) << py;
  int status = -1;
  shell("python3 " + file, &status);
  ASSERT_EQ(status, 0) << py;
}

void SandboxTest::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "integration tests start real sandboxes and need root";
  ASSERT_TRUE(exists(test_rootfs() + "/bin/busybox")) << "the test rootfs is missing: " << test_rootfs();
  state_.emplace("ringfence-state");
}

void SandboxTest::TearDown() {
  if (!state_) return;
  // Every sandbox this test started: the names it chose, the random names
  // of its unnamed runs (from its audit log: every record names its
  // sandbox), and any state directory there is.
  const std::set<std::string> chosen(names_.begin(), names_.end());
  std::set<std::string> sandboxes = chosen;
  for (const auto& n : sandboxes_in_audit_log(audit_log())) sandboxes.insert(n);
  for (const auto& n : state_dirs(state_->path())) sandboxes.insert(n);
  for (const auto& n : sandboxes) {
    // An unnamed run cleans up after itself when it ends (the test has no
    // name to delete it by): anything of it still here is a leak.
    if (!chosen.count(n)) {
      EXPECT_FALSE(exists(state_->path() + "/" + n)) << "an unnamed run left its state: " << n;
      for (const auto& dir : cgroups_of(n)) ADD_FAILURE() << "an unnamed run left its cgroup: " << dir;
    }
    const Result deleted = ringfence({"--root", state_->path(), "delete", "--force", n});
    // Deleted, or never there (a run that failed early, --rm, or a test
    // that deleted it itself).
    const bool absent = deleted.status == 1 && deleted.err.find("no sandbox named '" + n + "'") != std::string::npos;
    EXPECT_TRUE(deleted.status == 0 || absent) << "delete " << n << " exited " << deleted.status << ": " << deleted.err;
    // delete leaves the cgroup of a name without state; remove what is left
    // once reported, so that one failure does not outlive its test.
    for (const auto& dir : cgroups_of(n)) {
      ADD_FAILURE() << "left behind after delete: " << dir;
      remove_cgroup_tree(dir);
    }
  }
  for (const auto& n : state_dirs(state_->path())) ADD_FAILURE() << "state left behind after delete: " << n;
  for (const auto& m : mounts_of(state_->path(), sandboxes)) ADD_FAILURE() << "mount left behind: " << m;
  state_.reset();
  // The rootfs is shared by every test: a test that writes must do it on a
  // tmpfs (--tmpfs /tmp) or a copy, never in the rootfs itself.
  std::error_code ec;
  EXPECT_TRUE(std::filesystem::is_empty(test_rootfs() + "/tmp", ec)) << "a test wrote into the shared rootfs's /tmp";
}

std::string SandboxTest::name(const std::string& base) {
  std::string n = fmt::format("t{}-{}-{}", getpid(), names_.size(), base);
  names_.push_back(n);
  return n;
}

Result SandboxTest::rf(std::vector<std::string> args, const RunOptions& options) {
  // Each test's audit records go to its own log, next to its state.
  if (!args.empty() && args[0] == "run") args.insert(args.begin() + 1, {"--audit-log", audit_log()});
  args.insert(args.begin(), {"--root", state_->path()});
  return ringfence(args, options);
}

pid_t SandboxTest::sandbox_pid(const std::string& sandbox) {
  auto j = nlohmann::json::parse(read_text(state_->path() + "/" + sandbox + "/state.json"), nullptr, false);
  return j.is_discarded() ? -1 : j.value("pid", -1);
}

pid_t SandboxTest::sandbox_supervisor(const std::string& sandbox) {
  auto j = nlohmann::json::parse(read_text(state_->path() + "/" + sandbox + "/state.json"), nullptr, false);
  return j.is_discarded() || !j.contains("ringfence") ? -1 : j["ringfence"].value("supervisor_pid", -1);
}

std::vector<std::string> SandboxTest::run_args(const std::vector<std::string>& flags, const std::string& script,
                                               bool host_root) {
  std::vector<std::string> a = {"run", "--name", name("run")};
  if (!host_root) {
    a.push_back("--rootfs");
    a.push_back(test_rootfs());
  }
  a.insert(a.end(), flags.begin(), flags.end());
  a.insert(a.end(), {"--", "/bin/sh", "-c", script});
  return a;
}

std::string a_whole_disk() {
  auto numbers_in = [](const std::string& dev_file) {
    std::string n = read_text(dev_file);
    while (!n.empty() && n.back() == '\n') n.pop_back();
    return n;
  };
  struct stat st {};
  if (stat("/", &st) == 0) {
    const std::string dev = fmt::format("/sys/dev/block/{}:{}", major(st.st_dev), minor(st.st_dev));
    // A partition's directory sits in its disk's.
    if (exists(dev + "/partition")) return numbers_in(dev + "/../dev");
    if (exists(dev)) return numbers_in(dev + "/dev");
  }
  const std::string first = shell("ls /sys/block | head -1");
  return numbers_in("/sys/block/" + first.substr(0, first.find('\n')) + "/dev");
}

}  // namespace ringfence::itest
