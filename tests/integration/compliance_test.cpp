// `ringfence audit check`: real sandboxes judged against profiles. Each
// shipped profile passes against itself; a sandbox started looser than a
// profile fails against it, naming the control; a plain host process fails
// against default; a process that ends during the check is 125, not a pass;
// one thread that differs is enough to fail.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "fault_injection.h"
#include "harness.h"
#include "runc_container.h"
#include "waits.h"
#include "views.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A host process the test starts and reaps itself.
class HostProcess {
 public:
  explicit HostProcess(const std::vector<std::string>& argv) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
  }
  ~HostProcess() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& w : words_of(read_text(fmt::format("/proc/{}/task/{}/children", pid, pid))))
    out.push_back(std::stoi(w));
  return out;
}

std::size_t thread_count(pid_t pid) {
  std::size_t n = 0;
  for (const auto& line : lines_of(read_text(fmt::format("/proc/{}/status", pid))))
    if (line.rfind("Threads:", 0) == 0) n = std::stoul(line.substr(8));
  return n;
}

// Whether a thread of `pid` has this name (/proc/PID/task/TID/comm).
bool has_thread_named(pid_t pid, const std::string& comm) {
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec))
    if (read_text(task.path().string() + "/comm") == comm + "\n") return true;
  return false;
}

// "FAIL       RF-CAP-001 ..." lines of the text report.
bool reports(const Result& r, const std::string& outcome, const std::string& control) {
  for (const auto& line : lines_of(r.out))
    if (line.rfind(outcome, 0) == 0 && line.find(" " + control + " ") != std::string::npos) return true;
  return false;
}

class Compliance : public SandboxTest {
 protected:
  // Starts a detached sandbox in the test rootfs running `sleep`.
  std::string start(const std::vector<std::string>& flags, const std::string& base = "chk") {
    const std::string n = name(base);
    std::vector<std::string> a = {"run", "--name", n, "--detach", "--rootfs", test_rootfs()};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "/bin/sleep", "600"});
    const auto r = rf(a);
    EXPECT_EQ(r.status, 0) << r.err;
    return n;
  }
  Result check_name(const std::string& n, const std::vector<std::string>& profiles,
                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> a = {"audit", "check", "--name", n};
    for (const auto& p : profiles) a.insert(a.end(), {"--profile", p});
    a.insert(a.end(), extra.begin(), extra.end());
    return rf(a);
  }
  std::string write_profile(const std::string& file, const std::string& text) {
    const std::string path = dir_ / file;
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_{"ringfence-compliance"};
};

class ShippedProfile : public Compliance, public ::testing::WithParamInterface<const char*> {};

TEST_P(ShippedProfile, PassesAgainstItself) {
  const std::string profile = GetParam();
  const std::string n = start({"--profile", profile});
  const auto r = check_name(n, {profile});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 failed")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("unknown"))) << r.out;

  // By pid the launcher's record is not used: Landlock, which has no /proc
  // view, can only be unknown then — and unknown is not a pass.
  const pid_t init = sandbox_pid(n);
  const auto by_pid = rf({"audit", "check", "--pid", std::to_string(init), "--profile", profile, "--rootfs",
                          test_rootfs(), "--format", "json"});
  const auto json = nlohmann::json::parse(by_pid.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << by_pid.out << by_pid.err;
  for (const auto& f : json["reports"][0]["findings"]) {
    const std::string control = f["control"], outcome = f["outcome"];
    if (profile == "strict" && (control == "RF-LL-003" || control == "RF-LSM-001"))
      EXPECT_EQ(outcome, "unknown") << "Landlock by pid";
    else
      EXPECT_EQ(outcome, "pass") << control << ": " << f.dump();
  }
  EXPECT_EQ(by_pid.status, profile == "strict" ? 1 : 0) << by_pid.err;
}

INSTANTIATE_TEST_SUITE_P(Profiles, ShippedProfile, kShippedProfiles, ProfileTestName());

TEST_F(Compliance, CapAddSysAdminFailsAgainstDefault) {
  const std::string n = start({"--profile", "default", "--cap-add", "SYS_ADMIN"});
  const auto r = check_name(n, {"default"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-CAP-001")) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-CAP-007")) << r.out;
  EXPECT_THAT(r.err, HasSubstr("RF-CAP-001 fail"));
  // Docker's allow-list grants mount and friends with SYS_ADMIN, so the
  // filter differs too; the rest holds.
  EXPECT_TRUE(reports(r, "FAIL", "RF-SEC-002")) << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-SEC-001")) << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-NS-001")) << r.out;
}

TEST_F(Compliance, NoSeccompFailsAgainstDefault) {
  const std::string n = start({"--profile", "default", "--security-opt", "seccomp=unconfined"});
  const auto r = check_name(n, {"default"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-SEC-001")) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-SEC-002")) << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-CAP-007")) << r.out;
}

TEST_F(Compliance, ADifferentFilterIsFoundByWhatItDecides) {
  // Still seccomp mode 2 with Docker's allow-list, but mkdir answers EPERM.
  const std::string stricter = write_profile("deny-mkdir.toml", R"([profile]
schema = 1
name = "deny-mkdir"
extends = "default"

[[seccomp.rules]]
syscalls = ["mkdir", "mkdirat"]
action = "errno"
)");
  const std::string n = start({"--profile", stricter});
  auto r = check_name(n, {"default"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-SEC-001")) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-SEC-002")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("mkdir")) << r.out;
  // And against its own profile it holds.
  r = check_name(n, {stricter});
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(Compliance, AWritableRootFailsAgainstAReadOnlyProfile) {
  const std::string ro = write_profile("ro.toml", R"([profile]
schema = 1
name = "ro"
extends = "default"

[filesystem]
readonly_root = true
)");
  const std::string n = start({"--profile", "default"});  // default leaves the rootfs writable
  auto r = check_name(n, {ro});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-FS-001")) << r.out;
  const std::string held = start({"--profile", ro});
  r = check_name(held, {ro});
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(Compliance, HostPidNamespaceFailsAgainstDefault) {
  const std::string n = start({"--profile", "default", "--pid", "host"});
  const auto r = check_name(n, {"default"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-NS-001")) << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-NS-002")) << r.out;
}

TEST_F(Compliance, DefaultSandboxAgainstStrictNamesEveryLooserSetting) {
  const std::string n = start({"--profile", "default"});
  const auto r = check_name(n, {"strict"});
  EXPECT_EQ(r.status, 1) << r.out;
  for (const char* control : {"RF-CAP-007", "RF-NS-005", "RF-NS-008", "RF-FS-001", "RF-RES-001", "RF-RES-002",
                              "RF-RES-003", "RF-RLIM-001", "RF-LL-003"})
    EXPECT_TRUE(reports(r, "FAIL", control)) << control << "\n" << r.out;
}

TEST_F(Compliance, APlainHostProcessFailsAgainstDefaultLoudly) {
  HostProcess sleeper({"/bin/sleep", "600"});
  const auto r = rf({"audit", "check", "--pid", std::to_string(sleeper.pid()), "--profile", "default"});
  EXPECT_EQ(r.status, 1) << r.out;
  for (const char* control : {"RF-PRIV-001", "RF-PRIV-002", "RF-CAP-001", "RF-CAP-007", "RF-SEC-001", "RF-SEC-002",
                              "RF-NS-001", "RF-NS-002", "RF-NS-004", "RF-NS-007", "RF-FS-007", "RF-FS-008",
                              "RF-RES-004"}) {
    EXPECT_TRUE(reports(r, "FAIL", control)) << control << "\n" << r.out;
    EXPECT_THAT(r.err, HasSubstr(std::string(control) + " fail")) << "stderr names it too";
  }
}

TEST_F(Compliance, AProcessThatIsGoneIs125) {
  pid_t gone = 0;
  {
    HostProcess p({"/bin/true"});
    gone = p.pid();
  }
  auto r = rf({"audit", "check", "--pid", std::to_string(gone), "--profile", "default"});
  EXPECT_EQ(r.status, 125) << r.out << r.err;
}

// A process that ends while it is being read (made to, by injection: the
// race is too narrow to meet by chance) gives 125 and no report.
TEST_F(Compliance, AProcessThatEndsDuringTheCheckIs125) {
  RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION();
  HostProcess sleeper({"/bin/sleep", "600"});
  RunOptions o;
  o.env["RINGFENCE_CHECK_FAULT"] = "target-exits";
  const auto r = rf({"audit", "check", "--pid", std::to_string(sleeper.pid()), "--profile", "default"}, o);
  EXPECT_EQ(r.status, 125) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("ended during the check"));
  EXPECT_EQ(r.out, "") << "no report for a process that is gone";
}

TEST_F(Compliance, OneThreadThatDiffersIsCaught) {
  for (const std::string mode : {"same", "differ"}) {
    const std::string n = name("threads-" + mode);
    // The probe is bound in: the host's root shows only /usr, /etc and the
    // like, not the build directory.
    auto started = rf({"run", "--name", n, "--detach", "--profile", "default", "-v",
                       std::string(RINGFENCE_THREAD_PROBE) + ":/probe/thread_probe:ro", "--", "/probe/thread_probe",
                       mode});
    ASSERT_EQ(started.status, 0) << started.err;
    // The probe is the init's child; wait until its second thread has done
    // its part (for "differ", dropped its capability) and said so by naming
    // itself probe-ready.
    pid_t probe = 0;
    const bool ready = eventually([&] {
      const auto kids = children_of(sandbox_pid(n));
      if (kids.empty() || thread_count(kids.front()) != 2 || !has_thread_named(kids.front(), "probe-ready"))
        return false;
      probe = kids.front();
      return true;
    });
    ASSERT_TRUE(ready) << "the probe's second thread did not get ready";
    const auto r = rf({"audit", "check", "--pid", std::to_string(probe), "--profile", "default"});
    if (mode == "same") {
      EXPECT_EQ(r.status, 0) << r.out << r.err;
      const auto json =
          rf({"audit", "check", "--pid", std::to_string(probe), "--profile", "default", "--format", "json"});
      EXPECT_THAT(json.out, HasSubstr("CapBnd=00000000a80425fb on 2 threads")) << json.out;
    } else {
      EXPECT_EQ(r.status, 1) << r.out;
      EXPECT_TRUE(reports(r, "FAIL", "RF-CAP-007")) << r.out;
      // Named by the thread that differs, not the main one.
      EXPECT_THAT(r.out, HasSubstr("CapBnd=00000000a80425db on tid ")) << r.out;
      EXPECT_THAT(r.out, Not(HasSubstr(fmt::format("on tid {}\n", probe)))) << r.out;
    }
  }
}

// The processes in `init`'s pid namespace other than `init` (not only its
// children: `ringfence exec` starts its program from the host).
std::vector<pid_t> others_in_pid_namespace_of(pid_t init) {
  std::vector<pid_t> out;
  struct stat want {};
  if (stat(fmt::format("/proc/{}/ns/pid", init).c_str(), &want) != 0) return out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string n = e.path().filename();
    if (n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) == init) continue;
    struct stat st {};
    if (stat((e.path() / "ns/pid").c_str(), &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
      out.push_back(std::stoi(n));
  }
  return out;
}

// `--name` judges every process of the sandbox, not only its init: a child
// of the init whose one thread dropped a capability fails it, named by its
// pid; the init alone (`--pid`, as before) still passes.
TEST_F(Compliance, AChildThatDiffersFailsTheSandbox) {
  const std::string n = name("child-differs");
  auto started = rf({"run", "--name", n, "--detach", "--profile", "default", "-v",
                     std::string(RINGFENCE_THREAD_PROBE) + ":/probe/thread_probe:ro", "--", "/probe/thread_probe",
                     "differ"});
  ASSERT_EQ(started.status, 0) << started.err;
  const pid_t init = sandbox_pid(n);
  pid_t probe = 0;
  ASSERT_TRUE(eventually([&] {
    const auto kids = children_of(init);
    if (kids.empty() || !has_thread_named(kids.front(), "probe-ready")) return false;
    probe = kids.front();
    return true;
  })) << "the probe did not get ready";

  const auto r = check_name(n, {"default"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(reports(r, "FAIL", "RF-CAP-007")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("pid {}: CapBnd=00000000a80425db on tid ", probe))) << r.out;
  EXPECT_THAT(r.err, HasSubstr(fmt::format("pid {})", probe))) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr(fmt::format("pid {}: CapBnd", init)))) << "the init holds: " << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-SEC-002")) << r.out;

  const std::string init_pid = std::to_string(init);
  const auto init_only = rf({"audit", "check", "--pid", init_pid, "--profile", "default"});
  EXPECT_EQ(init_only.status, 0) << "the init alone holds: " << init_only.out << init_only.err;
  const auto all = rf({"audit", "check", "--pid", init_pid, "--all-processes", "--profile", "default"});
  EXPECT_EQ(all.status, 1) << all.out << all.err;
  EXPECT_THAT(all.out, HasSubstr(fmt::format("pid {}: CapBnd=00000000a80425db", probe))) << all.out;
  EXPECT_EQ(rf({"audit", "check", "--name", n, "--all-processes", "--profile", "default"}).status, 2)
      << "--all-processes goes with --pid";
}

// A program `ringfence exec` started is one of the sandbox's processes and
// must hold its plan too, though it is no descendant of the init.
TEST_F(Compliance, AProcessExecStartedIsJudgedWithTheSandbox) {
  const std::string n = name("exec-differs");
  auto started = rf({"run", "--name", n, "--detach", "--profile", "default", "-v",
                     std::string(RINGFENCE_THREAD_PROBE) + ":/probe/thread_probe:ro", "--", "/probe/thread_probe",
                     "same"});
  ASSERT_EQ(started.status, 0) << started.err;
  const pid_t init = sandbox_pid(n);
  pid_t first = 0;
  ASSERT_TRUE(eventually([&] {
    const auto kids = children_of(init);
    if (kids.empty() || !has_thread_named(kids.front(), "probe-ready")) return false;
    first = kids.front();
    return true;
  })) << "the probe did not get ready";
  auto r = check_name(n, {"default"}, {"--format", "json"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("holds on 1 other process too")) << "the init and the probe: " << r.out;

  const pid_t exec = ringfence_async({"--root", state_root(), "exec", n, "--", "/probe/thread_probe", "differ"});
  pid_t second = 0;
  const bool ready = eventually([&] {
    for (pid_t p : others_in_pid_namespace_of(init))
      if (p != first && has_thread_named(p, "probe-ready")) {
        second = p;
        return true;
      }
    return false;
  });
  EXPECT_TRUE(ready) << "the exec'd probe did not get ready";
  if (ready) {
    r = check_name(n, {"default"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_TRUE(reports(r, "FAIL", "RF-CAP-007")) << r.out;
    EXPECT_THAT(r.out, HasSubstr(fmt::format("pid {}: CapBnd=00000000a80425db on tid ", second))) << r.out;
    EXPECT_THAT(r.err, HasSubstr(fmt::format("pid {})", second))) << r.err;
    kill(second, SIGKILL);
  }
  kill(exec, SIGKILL);
  wait_status(exec);
}

TEST_F(Compliance, ASensitiveHostPathFailsAgainstDefault) {
  // /etc of the host, found by where the mount comes from, not by its target.
  const std::string n = start({"--profile", "default", "-v", "/etc:/srv/conf:ro"});
  const auto r = check_name(n, {"default"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-FS-002")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("/etc on /srv/conf")) << r.out;
  EXPECT_TRUE(reports(r, "PASS", "RF-NET-001")) << r.out;
}

TEST_F(Compliance, ANetworkJoinedFromAnotherSandboxFailsUnlessTheProfileJoinsIt) {
  const std::string first = start({"--profile", "default"}, "net-a");
  const std::string second = start({"--profile", "default", "--network", "container:" + first}, "net-b");
  auto r = check_name(second, {"default"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(reports(r, "FAIL", "RF-NET-001")) << r.out;
  EXPECT_THAT(r.out, HasSubstr(fmt::format("{} (", sandbox_pid(first)))) << r.out;
  const std::string joins = write_profile("joins.toml", fmt::format(R"([profile]
schema = 1
name = "joins"
extends = "default"

[network]
mode = "container:{}"
)", first));
  r = check_name(second, {joins});
  EXPECT_TRUE(reports(r, "PASS", "RF-NET-001")) << r.out;
  EXPECT_EQ(r.status, 0) << r.out;
}

// A container runc started, checked by pid: it is in runc's cgroup, not
// ringfence's, and RF-RES-004 must not hold that against it. (runc: crun
// refuses a hybrid cgroup layout.)
TEST_F(Compliance, AContainerAnotherRuntimeStartedIsNotHeldToRingfencesCgroupNaming) {
  if (!runc_installed()) GTEST_SKIP() << "runc is not installed";
  // Not name(): that one is a ringfence sandbox's, deleted at the end.
  const RuncContainer container(dir_.path(), dir_ / "runc-state", fmt::format("rf-foreign-{}", getpid()), {});
  ASSERT_TRUE(container.started()) << container.log();
  const pid_t pid = container.pid();
  const auto r = rf({"audit", "check", "--pid", std::to_string(pid), "--profile", "default", "--rootfs", test_rootfs()});
  EXPECT_TRUE(reports(r, "PASS", "RF-RES-004")) << r.out << r.err;
  const auto json = rf({"audit", "check", "--pid", std::to_string(pid), "--profile", "default", "--rootfs",
                        test_rootfs(), "--format", "json"});
  EXPECT_THAT(json.out, HasSubstr("a container another runtime started")) << json.out;
}

TEST_F(Compliance, BadCommandLines) {
  EXPECT_EQ(rf({"audit", "check", "--profile", "default"}).status, 2);
  EXPECT_EQ(rf({"audit", "check", "--pid", "1", "--name", "x", "--profile", "default"}).status, 2);
  EXPECT_EQ(rf({"audit", "check", "--pid", "1", "--profile", "default", "--format", "xml"}).status, 2);
  EXPECT_EQ(rf({"audit", "check", "--name", "no-such-sandbox", "--profile", "default"}).status, 125);
  const auto broken = write_profile("broken.toml", "[profile\n");
  EXPECT_EQ(rf({"audit", "check", "--pid", std::to_string(getpid()), "--profile", broken}).status, 2);
}

}  // namespace
}  // namespace ringfence::itest
