// Integration tests start real sandboxes with the ringfence binary and look
// at what is really there. They need root; as another user they skip.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ringfence::itest {

struct Result {
  int status = -1;  // the exit code, or 128+signal
  std::string out, err;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to ringfence's environment
  std::vector<std::string> unset_env;       // removed from it
  std::vector<int> extra_fds;               // descriptors ringfence inherits (to prove none leak)
  int timeout_seconds = 60;
  // Run ringfence as this user (uid, gid) instead of root, without groups.
  std::optional<std::pair<uid_t, gid_t>> as_user;
  // The binary to run instead of the build's (see binary_for_other_users()).
  std::string binary;
};

// Runs the ringfence binary with `args` and waits for it.
Result ringfence(const std::vector<std::string>& args, const RunOptions& options = {});

// Starts ringfence without waiting; returns its pid (stdout/stderr to /dev/null).
pid_t ringfence_async(const std::vector<std::string>& args, const RunOptions& options = {});
int wait_status(pid_t pid);

// A copy of the ringfence binary that any user may execute (mode 0755 in a
// 0755 directory under /tmp): the build directory may be unreachable for
// them (a checkout under /root). Made once per test process, removed at exit.
const std::string& binary_for_other_users();

// The busybox rootfs built by make-rootfs.sh for this build directory.
const std::string& test_rootfs();

// The shipped profiles, for the tests that run under each of them, and a
// test name for each (gtest's names have no '-').
inline const auto kShippedProfiles = ::testing::Values("default", "application", "system-service",
                                                       "low-level-service", "strict", "privileged");
struct ProfileTestName {
  template <class Param>
  std::string operator()(const ::testing::TestParamInfo<Param>& info) const {
    std::string n = info.param;
    for (char& c : n)
      if (c == '-') c = '_';
    return n;
  }
};

// The burst of refused calls (notify_burst.c, static): the host directory
// the audit tests bind at /data, and the program's path in the sandbox.
std::string notify_burst_dir();
std::string notify_burst_in_sandbox();

// A whole disk of this host as "MAJ:MIN" (the one under / when / is on a
// block device, its disk if / is on a partition; else the first of
// /sys/block), for block I/O throttles, which take whole disks.
std::string a_whole_disk();

// A v1 hugetlb hierarchy for the huge page tests. The host's, when it
// mounts one. On a hybrid host whose cgroup v2 tree holds hugetlb (this
// machine), one mounted in a mount namespace of this test process's own:
// every ringfence the test starts inherits it, and the host's namespaces
// are not changed. The kernel has one hugetlb hierarchy: tests running
// side by side share it. Gone with the object: this test's sandboxes'
// directories reported as leaks, the mount undone, the process back in the
// host's mount namespace. Where neither can be had, skip_reason() says why.
class HugetlbHierarchy {
 public:
  HugetlbHierarchy();
  ~HugetlbHierarchy();
  HugetlbHierarchy(const HugetlbHierarchy&) = delete;
  HugetlbHierarchy& operator=(const HugetlbHierarchy&) = delete;
  const std::string& path() const { return path_; }
  const std::string& skip_reason() const { return skip_; }
  bool private_mount() const { return host_ns_ >= 0; }

 private:
  std::string path_, skip_, dir_;
  int host_ns_ = -1, cwd_ = -1;
};

// A directory that is removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ringfence-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_text(const std::string& path);
bool exists(const std::string& path);
// Runs a shell command line (for the tools tests build their data with:
// python3, tar, podman); its stdout, and its exit status in `status`.
std::string shell(const std::string& command, int* status = nullptr);

// A layer written by Python's tarfile, for hostile and odd layers no real
// tool makes: `script` gets `t` (the TarFile) and `add_file(name, data,
// mode)`, `add_dir(name, mode)`, `add_symlink(name, target)`. Fails the
// test when Python does.
void layer_tar(const std::string& path, const std::string& script);

// The fixture: skips without root, gives each test its own state root and
// sandbox names, and after the test deletes every sandbox it started (named
// or not), checks that each delete worked, and that no cgroup, state
// directory or mount of one is left behind.
class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A name unique to this test process.
  std::string name(const std::string& base);
  // ringfence --root <this test's state root> ARGS...
  Result rf(std::vector<std::string> args, const RunOptions& options = {});
  // ringfence run --name NAME ... -- sh -c SCRIPT, with the test rootfs or the host root.
  std::vector<std::string> run_args(const std::vector<std::string>& flags, const std::string& script,
                                    bool host_root = false);
  const std::string& state_root() const { return state_->path(); }
  std::string audit_log() const { return state_->path() + "/audit.jsonl"; }
  // From the sandbox's state.json: its init's and its supervisor's pids.
  pid_t sandbox_pid(const std::string& sandbox);
  pid_t sandbox_supervisor(const std::string& sandbox);

 private:
  std::optional<TempDir> state_;
  std::vector<std::string> names_;
};

}  // namespace ringfence::itest
