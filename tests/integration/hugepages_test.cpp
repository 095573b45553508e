// Huge page limits on real sandboxes: the limit reaches the sandbox's own
// hugetlb cgroup (reservations included), a program that maps a huge page
// beyond it is refused while one without the limit gets its page, a sandbox
// without limits gets no hugetlb directory, the start fails with the reason
// where no hugetlb hierarchy is mounted, and `audit check` notices a limit
// rewritten behind ringfence's back.
//
// This machine's hugetlb controller sits on its cgroup v2 tree (a hybrid
// layout): HugetlbHierarchy mounts it as a v1 hierarchy in a mount
// namespace of the test's own, as a host that uses it would have it.
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "leaks.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

// One free 2 MiB huge page for the probe, for as long as the object lives:
// the host's pool is left as it was found.
class OneHugePage {
 public:
  OneHugePage() {
    before_ = read_text("/proc/sys/vm/nr_hugepages");
    if (std::stoll(before_) == 0) std::ofstream("/proc/sys/vm/nr_hugepages") << "1";
    const std::string meminfo = read_text("/proc/meminfo");
    const auto at = meminfo.find("HugePages_Free:");
    ok_ = at != std::string::npos && std::stoll(meminfo.substr(at + 15)) >= 1;
  }
  ~OneHugePage() {
    if (std::stoll(before_) == 0) std::ofstream("/proc/sys/vm/nr_hugepages") << "0";
  }
  bool ok() const { return ok_; }

 private:
  std::string before_;
  bool ok_ = false;
};

class HugePages : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    if (!hugetlb_.skip_reason().empty()) GTEST_SKIP() << hugetlb_.skip_reason();
    if (!exists(hugetlb_.path() + "/hugetlb.2MB.limit_in_bytes")) GTEST_SKIP() << "this kernel has no 2 MiB huge pages";
    std::ofstream(profile_ / "huge.toml") << "[profile]\nextends = \"default\"\n[[resources.hugepages]]\n"
                                             "page_size = \"2MB\"\nlimit = \"4M\"\n";
    std::ofstream(profile_ / "none.toml") << "[profile]\nextends = \"default\"\n[[resources.hugepages]]\n"
                                             "page_size = \"2MB\"\nlimit = 0\n";
  }
  std::string dir_of(const std::string& sandbox) const { return hugetlb_.path() + "/ringfence/" + sandbox; }
  // A detached sandbox under huge.toml (4 MiB of 2 MiB pages), running sleep.
  void start_limited(const std::string& sandbox) {
    ASSERT_EQ(rf({"run", "--name", sandbox, "--detach", "--profile", profile_ / "huge.toml", "--rootfs", test_rootfs(),
                  "--", "/bin/sleep", "60"})
                  .status,
              0);
  }
  // The probe's output in a sandbox with `flags`.
  Result probe(const std::vector<std::string>& flags) {
    const std::filesystem::path probe(RINGFENCE_HUGEPAGE_PROBE);
    std::vector<std::string> a = {"run", "--rootfs", test_rootfs(), "-v", probe.parent_path().string() + ":/data:ro"};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "/data/" + probe.filename().string()});
    return rf(a);
  }

  HugetlbHierarchy hugetlb_;
  TempDir profile_{"ringfence-hugepages"};
};

TEST_F(HugePages, TheLimitIsTheSandboxsOwnAndTheHostSeesIt) {
  const std::string n = name("limited");
  ASSERT_NO_FATAL_FAILURE(start_limited(n));
  EXPECT_EQ(read_text(dir_of(n) + "/hugetlb.2MB.limit_in_bytes"), "4194304\n");
  if (exists(dir_of(n) + "/hugetlb.2MB.rsvd.limit_in_bytes")) {
    EXPECT_EQ(read_text(dir_of(n) + "/hugetlb.2MB.rsvd.limit_in_bytes"), "4194304\n") << "reservations are limited too";
  }
  EXPECT_THAT(read_text("/proc/" + std::to_string(sandbox_pid(n)) + "/cgroup"), HasSubstr(":hugetlb:/ringfence/" + n));
  EXPECT_NE(read_text(hugetlb_.path() + "/hugetlb.2MB.limit_in_bytes"), "4194304\n") << "the host's root is untouched";
  const auto inspect = nlohmann::json::parse(rf({"inspect", n}).out);
  EXPECT_EQ(inspect["limits"]["hugepages"]["hugetlb.2MB.limit_in_bytes"], "4194304") << inspect.dump();
  ASSERT_EQ(rf({"delete", "--force", n}).status, 0);
  EXPECT_FALSE(exists(dir_of(n))) << "delete removes the hugetlb directory too";
}

// The forbidden thing: a huge page under a limit of none. The same probe
// without the limit gets its page, so the refusal is the limit's.
TEST_F(HugePages, APageBeyondTheLimitIsRefused) {
  OneHugePage page;
  if (!page.ok()) GTEST_SKIP() << "the host could not set one 2 MiB huge page aside";
  auto free = probe({});
  ASSERT_EQ(free.status, 0) << free.err;
  EXPECT_EQ(free.out, "hugepage ok\n");
  auto limited = probe({"--profile", profile_ / "none.toml"});
  ASSERT_EQ(limited.status, 0) << limited.err;
  // ENOMEM at mmap with reservation limits (Linux 5.7 on), SIGBUS at the
  // first write without them.
  const bool rsvd = exists(hugetlb_.path() + "/hugetlb.2MB.rsvd.limit_in_bytes");
  EXPECT_EQ(limited.out, rsvd ? "hugepage ENOMEM\n" : "hugepage SIGBUS\n");
}

TEST_F(HugePages, WithoutLimitsASandboxHasNoHugetlbDirectory) {
  const std::string n = name("unlimited");
  ASSERT_EQ(rf({"run", "--name", n, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "60"}).status, 0);
  EXPECT_TRUE(exists("/sys/fs/cgroup/memory/ringfence/" + n) || exists("/sys/fs/cgroup/ringfence/" + n));
  EXPECT_FALSE(exists(dir_of(n)));
  EXPECT_TRUE(nlohmann::json::parse(rf({"inspect", n}).out)["limits"]["hugepages"].is_null());
  const auto check = rf({"audit", "check", "--name", n, "--profile", "default"});
  EXPECT_THAT(check.out, HasSubstr("PASS       RF-RES-004")) << check.out << check.err;
}

TEST_F(HugePages, AuditCheckNoticesARewrittenLimit) {
  const std::string n = name("rewritten");
  ASSERT_NO_FATAL_FAILURE(start_limited(n));
  auto check = rf({"audit", "check", "--name", n, "--profile", profile_ / "huge.toml"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("PASS       RF-RES-006"));
  std::ofstream(dir_of(n) + "/hugetlb.2MB.limit_in_bytes") << "8388608";
  check = rf({"audit", "check", "--name", n, "--profile", profile_ / "huge.toml"});
  EXPECT_EQ(check.status, 1);
  EXPECT_THAT(check.out, HasSubstr("FAIL       RF-RES-006"));
  EXPECT_THAT(check.out, HasSubstr("hugetlb.2MB.limit_in_bytes=8388608"));
}

// In the host's own mount namespace, where (on this machine) no hugetlb
// hierarchy is mounted: the start fails saying so, and leaves nothing.
TEST_F(SandboxTest, HugePageLimitsWithoutAHugetlbHierarchyFailTheStart) {
  if (read_text("/proc/self/mountinfo").find(",hugetlb") != std::string::npos ||
      exists("/sys/fs/cgroup/cgroup.controllers"))
    GTEST_SKIP() << "this host mounts a hugetlb hierarchy";
  TempDir profile("ringfence-hugepages");
  std::ofstream(profile / "huge.toml") << "[profile]\nextends = \"default\"\n[[resources.hugepages]]\n"
                                          "page_size = \"2MB\"\nlimit = \"4M\"\n";
  const std::string n = name("nohierarchy");
  auto r = rf({"run", "--name", n, "--profile", profile / "huge.toml", "--rootfs", test_rootfs(), "--", "/bin/true"});
  EXPECT_EQ(r.status, 125);
  EXPECT_THAT(r.err, HasSubstr("step 'cgroup.create' failed: no hugetlb cgroup controller is mounted as a cgroup v1 hierarchy"));
  EXPECT_TRUE(cgroups_of(n).empty()) << "the cgroup made before the failure is removed";
}

}  // namespace
}  // namespace ringfence::itest
