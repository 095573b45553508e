// A sandbox started by an unprivileged user: a user namespace of its own
// whose root is that user, and nothing that needs root outside it.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "views.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

constexpr uid_t kNobody = 65534;

class Rootless : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    const std::string max = read_text("/proc/sys/user/max_user_namespaces");
    if (max.empty() || std::stol(max) == 0) GTEST_SKIP() << "this kernel allows no user namespaces";
    if (exists("/proc/sys/kernel/unprivileged_userns_clone") &&
        read_text("/proc/sys/kernel/unprivileged_userns_clone") == "0\n")
      GTEST_SKIP() << "this kernel does not let unprivileged users make user namespaces";
    state_.emplace("ringfence-rootless");
    ASSERT_EQ(chown(state_->path().c_str(), kNobody, kNobody), 0);
  }

  Result as_nobody(const std::vector<std::string>& args) {
    RunOptions o;
    o.as_user = std::make_pair(kNobody, static_cast<gid_t>(kNobody));
    // The build directory may be out of nobody's reach (a checkout under /root).
    o.binary = binary_for_other_users();
    std::vector<std::string> a = {"--root", state_->path() + "/state"};
    a.insert(a.end(), args.begin(), args.end());
    // nobody's home does not exist: its audit log goes next to its state.
    if (args.size() > 0 && args[0] == "run") a.insert(a.begin() + 3, {"--audit-log", state_->path() + "/audit.jsonl"});
    return ringfence(a, o);
  }

  std::optional<TempDir> state_;
};

TEST_F(Rootless, NobodyRunsTheDefaultProfileInItsOwnUserNamespace) {
  auto r = as_nobody({"run", "--", "/bin/sh", "-c",
                      "id -u; cat /proc/self/uid_map; grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; "
                      "touch /etc/x 2>&1; ls /dev"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Root inside is nobody outside, and nothing else is mapped.
  EXPECT_THAT(r.out, HasSubstr("0\n"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("0 +65534 +1\n"));
  EXPECT_THAT(r.out, HasSubstr("NoNewPrivs:\t1"));
  EXPECT_THAT(r.out, HasSubstr("Seccomp:\t2"));
  EXPECT_THAT(r.out, HasSubstr("Read-only file system"));
  EXPECT_THAT(r.out, HasSubstr("urandom"));
}

TEST_F(Rootless, RootInsideIsStillNobodyOnTheHost) {
  TempDir out;
  chmod(out.path().c_str(), 0777);
  // On the read-only host root a volume needs an existing mount point: /mnt.
  auto r = as_nobody({"run", "-v", out.path() + ":/mnt", "--", "/bin/sh", "-c", "touch /mnt/file"});
  ASSERT_EQ(r.status, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(stat((out / "file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody) << "a file made by root in the sandbox belongs to nobody";
}

TEST_F(Rootless, LimitsWithoutADelegatedCgroupFailClosed) {
  auto r = as_nobody({"run", "--memory", "64m", "--", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'cgroup.create' failed"));
  // And it says what to do, not only "Permission denied".
  EXPECT_THAT(r.err, HasSubstr("Limits (--memory, --cpus, --pids-limit, [resources]) need a cgroup"));
  EXPECT_THAT(r.err, HasSubstr("or drop the limits"));
}

TEST_F(Rootless, AProfileThatTurnsTheUserNamespaceOffIsRefused) {
  auto r = as_nobody({"run", "--userns", "host", "--", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("a rootless sandbox needs a user namespace"));
}

// A detached sandbox's supervisor becomes ringfence-supervisor
// (runtime/src/handover.h) for an unprivileged user too: still nobody, and
// still doing its work to the end.
TEST_F(Rootless, NobodysDetachedSandboxIsSupervisedByTheSmallSupervisor) {
  const std::string n = name("rootless-small");
  auto started = as_nobody({"run", "--name", n, "--detach", "--", "/bin/sh", "-c",
                            "trap 'exit 5' TERM; while :; do sleep 0.1; done"});
  ASSERT_EQ(started.status, 0) << started.err;
  auto inspected = as_nobody({"inspect", n});
  ASSERT_EQ(inspected.status, 0) << inspected.err;
  const pid_t supervisor = nlohmann::json::parse(inspected.out).at("supervisor_pid").get<pid_t>();
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(supervisor) + "/exe", ec);
  EXPECT_EQ(exe.filename(), "ringfence-supervisor");
  EXPECT_THAT(read_text("/proc/" + std::to_string(supervisor) + "/status"),
              HasSubstr("Uid:\t65534\t65534\t65534\t65534"));
  ASSERT_EQ(as_nobody({"stop", n}).status, 0);
  EXPECT_THAT(as_nobody({"list"}).out, HasSubstr("exit 5"));
  const auto lines = lines_of(read_text(state_->path() + "/audit.jsonl"));
  ASSERT_FALSE(lines.empty());
  const auto last = nlohmann::json::parse(lines.back());
  EXPECT_EQ(last["event"], "sandbox.stop");
  EXPECT_EQ(last["exit_status"], 5);
  EXPECT_EQ(as_nobody({"delete", n}).status, 0);
}

}  // namespace
}  // namespace ringfence::itest
