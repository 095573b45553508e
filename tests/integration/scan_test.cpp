// `ringfence audit scan`: containers of three origins running side by side
// — a ringfence sandbox, runc containers (one labelled as podman's) and a
// bare pid namespace nobody recorded — each found, named by its engine,
// and judged: its own profile for ringfence's, a benchmark or a profile
// map's choice for the others.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "runc_container.h"
#include "views.h"
#include "waits.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

// `unshare --pid --fork`: a pid namespace no runtime's state knows.
class BarePidNamespace {
 public:
  BarePidNamespace() {
    unshare_ = fork();
    if (unshare_ == 0) {
      execlp("unshare", "unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "/bin/sleep", "600", nullptr);
      _exit(127);
    }
    // Its init is unshare's child.
    eventually([&] {
      const auto kids = words_of(read_text(fmt::format("/proc/{}/task/{}/children", unshare_, unshare_)));
      if (!kids.empty()) init_ = std::stoi(*kids.begin());
      return init_ > 0;
    });
  }
  ~BarePidNamespace() {
    if (init_ > 0) kill(init_, SIGKILL);
    kill(unshare_, SIGKILL);
    waitpid(unshare_, nullptr, 0);
  }
  pid_t init() const { return init_; }

 private:
  pid_t unshare_ = -1, init_ = 0;
};

class Scan : public SandboxTest {
 protected:
  Result scan(std::vector<std::string> extra) {
    std::vector<std::string> args = {"audit", "scan", "--no-default-state-dirs", "--state-dir",
                                     "runc=" + (dir_ / "runc-state"), "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return rf(args);
  }
  // The report on the container with this id, or null.
  static const nlohmann::json* report_on(const nlohmann::json& doc, const std::string& id) {
    for (const auto& r : doc["reports"])
      if (r["container"]["id"] == id) return &r;
    return nullptr;
  }
  static std::string outcome(const nlohmann::json& report, const std::string& control) {
    for (const auto& f : report["findings"])
      if (f["control"] == control) return f["outcome"];
    return "absent";
  }

  TempDir dir_{"ringfence-scan"};
};

TEST_F(Scan, FindsAndJudgesRingfenceRuncAndBarePidNamespaces) {
  if (!runc_installed()) GTEST_SKIP() << "runc is not installed";
  const std::string sandbox = name("scanned");
  ASSERT_EQ(rf({"run", "--name", sandbox, "--detach", "--rootfs", test_rootfs(), "--", "/bin/sleep", "600"}).status, 0);
  const RuncContainer loose(dir_.path(), dir_ / "runc-state", fmt::format("rf-scan-loose-{}", getpid()),
                            {.no_new_privileges = false, .annotations = {{"io.container.manager", "libpod"}}});
  ASSERT_TRUE(loose.started()) << loose.log();
  const RuncContainer tight(dir_.path(), dir_ / "runc-state", fmt::format("rf-scan-tight-{}", getpid()),
                            {.no_new_privileges = true, .annotations = {{"io.kubernetes.cri.image-name", "busybox:1.36"}}});
  ASSERT_TRUE(tight.started()) << tight.log();
  const BarePidNamespace bare;
  ASSERT_GT(bare.init(), 0);

  const Result r = scan({});
  EXPECT_EQ(r.status, 1) << "runc's containers fail CIS controls" << r.err;
  const auto doc = nlohmann::json::parse(r.out);

  const auto* own = report_on(doc, sandbox);
  ASSERT_NE(own, nullptr) << r.out;
  EXPECT_EQ((*own)["container"]["engine"], "ringfence");
  EXPECT_EQ((*own)["container"]["pid"], sandbox_pid(sandbox));
  EXPECT_EQ((*own)["profile"], "default") << "its own profile";
  EXPECT_EQ((*own)["summary"]["fail"], 0) << own->dump(2);
  EXPECT_EQ((*own)["summary"]["unknown"], 0) << own->dump(2);

  const auto* l = report_on(doc, loose.id());
  ASSERT_NE(l, nullptr) << r.out;
  EXPECT_EQ((*l)["container"]["engine"], "podman");
  EXPECT_EQ((*l)["container"]["runtime"], "runc");
  EXPECT_EQ((*l)["container"]["pid"], loose.pid());
  EXPECT_EQ((*l)["profile"], "cis-docker (reference profile default)");
  EXPECT_EQ(outcome(*l, "RF-PRIV-002"), "fail") << "no_new_privs is off";
  EXPECT_EQ(outcome(*l, "RF-SEC-001"), "fail") << "runc loads no filter unless asked";
  EXPECT_EQ(outcome(*l, "RF-RES-004"), "pass") << "runc's cgroup naming is not held against it";
  EXPECT_EQ(outcome(*l, "RF-CAP-007"), "absent") << "nobody gave it the reference profile's capabilities";

  const auto* t = report_on(doc, tight.id());
  ASSERT_NE(t, nullptr) << r.out;
  EXPECT_EQ((*t)["container"]["engine"], "kubernetes");
  EXPECT_EQ((*t)["container"]["image"], "busybox:1.36");
  EXPECT_EQ(outcome(*t, "RF-PRIV-002"), "pass");

  const auto* b = report_on(doc, fmt::format("pid-{}", bare.init()));
  ASSERT_NE(b, nullptr) << r.out;
  EXPECT_EQ((*b)["container"]["engine"], "unknown");
  EXPECT_EQ((*b)["container"]["source"], "/proc");
  EXPECT_EQ(outcome(*b, "RF-NS-003"), "fail") << "unshare --pid left it the host's network";

  // Each container once: the runc containers' inits are pid-namespace
  // inits too, and the merge keeps the state's name for them.
  EXPECT_EQ(report_on(doc, fmt::format("pid-{}", loose.pid())), nullptr);
  EXPECT_EQ(report_on(doc, fmt::format("pid-{}", sandbox_pid(sandbox))), nullptr);
}

// A container crun started, found through crun's own state directory and
// judged as runc's are. crun refuses to start on a hybrid host whose cgroup
// v2 tree holds a controller (hugetlb, here): the test then takes hugetlb
// into a v1 hierarchy in its own mount namespace while the container runs.
TEST_F(Scan, FindsAndJudgesACrunContainer) {
  if (std::system("command -v crun > /dev/null 2>&1") != 0) GTEST_SKIP() << "crun is not installed";
  std::optional<HugetlbHierarchy> hugetlb;
  if (read_text("/sys/fs/cgroup/unified/cgroup.controllers").find_first_not_of(" \n") != std::string::npos) {
    hugetlb.emplace();
    if (!hugetlb->skip_reason().empty()) GTEST_SKIP() << hugetlb->skip_reason();
  }
  const RuncContainer crun(dir_.path(), dir_ / "crun-state", fmt::format("rf-scan-crun-{}", getpid()),
                           {.no_new_privileges = true, .annotations = {}, .runtime = "crun"});
  ASSERT_TRUE(crun.started()) << crun.log();

  const Result r = scan({"--state-dir", "crun=" + (dir_ / "crun-state")});
  const auto doc = nlohmann::json::parse(r.out);
  const auto* c = report_on(doc, crun.id());
  ASSERT_NE(c, nullptr) << r.out << r.err;
  EXPECT_EQ((*c)["container"]["runtime"], "crun") << c->dump(2);
  EXPECT_EQ((*c)["container"]["pid"], crun.pid());
  EXPECT_EQ(outcome(*c, "RF-PRIV-002"), "pass") << "no_new_privileges is on";
  EXPECT_EQ(outcome(*c, "RF-SEC-001"), "fail") << "crun loads no filter unless asked";
  EXPECT_EQ(outcome(*c, "RF-RES-004"), "pass") << "crun's cgroup naming is not held against it";
  EXPECT_EQ(report_on(doc, fmt::format("pid-{}", crun.pid())), nullptr) << "found once, by its state";
}

TEST_F(Scan, AProfileMapChoosesPerContainerAndABenchmarkNamesItsReference) {
  if (!runc_installed()) GTEST_SKIP() << "runc is not installed";
  const RuncContainer loose(dir_.path(), dir_ / "runc-state", fmt::format("rf-scan-map-{}", getpid()),
                            {.no_new_privileges = false, .annotations = {{"team", "legacy"}}});
  ASSERT_TRUE(loose.started()) << loose.log();
  // The privileged profile leaves no_new_privs off: against it, that passes.
  std::ofstream(dir_ / "map.toml") << "[[rule]]\nannotations = { team = \"leg*\" }\nprofile = \"privileged\"\n";
  Result r = scan({"--profile-map", dir_ / "map.toml", "--no-proc"});
  auto doc = nlohmann::json::parse(r.out);
  const auto* l = report_on(doc, loose.id());
  ASSERT_NE(l, nullptr) << r.out << r.err;
  EXPECT_EQ((*l)["profile"], "privileged");
  EXPECT_EQ(outcome(*l, "RF-PRIV-002"), "pass") << l->dump(2);

  r = scan({"--benchmark", "pss-restricted", "--no-proc"});
  doc = nlohmann::json::parse(r.out);
  l = report_on(doc, loose.id());
  ASSERT_NE(l, nullptr) << r.out << r.err;
  EXPECT_EQ((*l)["profile"], "pss-restricted (reference profile strict)");
  EXPECT_EQ(outcome(*l, "RF-FS-001"), "absent") << "not a Pod Security control";
  EXPECT_EQ(outcome(*l, "RF-PRIV-002"), "fail");

  // A map with a mistake stops the scan before anything is judged.
  std::ofstream(dir_ / "bad.toml") << "[[rule]]\nprofile = \"default\"\nimagee = \"x\"\n";
  r = scan({"--profile-map", dir_ / "bad.toml"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.toml:3:"));
  EXPECT_THAT(r.err, HasSubstr("unknown key 'imagee'"));
}

// What an engine exec'd into a container is part of it: `runc exec --cap
// CAP_SYS_ADMIN` (as `docker exec --privileged` would) fails the container,
// naming that process, though its init still holds.
TEST_F(Scan, AProcessExecdIntoAContainerIsJudgedWithIt) {
  if (!runc_installed()) GTEST_SKIP() << "runc is not installed";
  const RuncContainer c(dir_.path(), dir_ / "runc-state", fmt::format("rf-scan-exec-{}", getpid()), {});
  ASSERT_TRUE(c.started()) << c.log();
  Result r = scan({"--no-proc"});
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_NE(report_on(doc, c.id()), nullptr) << r.out << r.err;
  EXPECT_EQ(outcome(*report_on(doc, c.id()), "RF-CAP-001"), "pass");

  ASSERT_TRUE(c.exec_detached("--cap CAP_SYS_ADMIN", "/bin/sleep 600")) << c.log();
  // Wait until the container holds a second process: one in its pid namespace.
  const auto ns_of = [](const std::string& pid) {
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/" + pid + "/ns/pid", ec).string();
  };
  const std::string container_ns = ns_of(std::to_string(c.pid()));
  ASSERT_TRUE(eventually([&] {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string pid = e.path().filename().string();
      if (pid != std::to_string(c.pid()) && std::isdigit(static_cast<unsigned char>(pid[0])) &&
          ns_of(pid) == container_ns)
        return true;
    }
    return false;
  }));
  r = scan({"--no-proc"});
  doc = nlohmann::json::parse(r.out);
  const auto* report = report_on(doc, c.id());
  ASSERT_NE(report, nullptr) << r.out << r.err;
  EXPECT_EQ(outcome(*report, "RF-CAP-001"), "fail") << report->dump(2);
  for (const auto& f : (*report)["findings"]) {
    if (f["control"] == "RF-CAP-001") {
      EXPECT_THAT(f["observed"].get<std::string>(), HasSubstr("pid "));
    }
  }
}

TEST_F(Scan, AStoppedContainerIsNamedNotJudged) {
  if (!runc_installed()) GTEST_SKIP() << "runc is not installed";
  auto gone = std::make_unique<RuncContainer>(dir_.path(), dir_ / "runc-state",
                                              fmt::format("rf-scan-gone-{}", getpid()), RuncContainer::Options{});
  ASSERT_TRUE(gone->started()) << gone->log();
  const std::string id = gone->id();
  const pid_t pid = gone->pid();
  // Its state stays when only its process ends (runc would say "stopped").
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // Gone, or a zombie whoever adopted it has not reaped yet: either way not running.
  ASSERT_TRUE(eventually([&] {
    const std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
    return stat.empty() || stat.find(") Z ") != std::string::npos;
  }));
  const Result r = scan({"--no-proc"});
  EXPECT_EQ(r.status, 0) << "nothing judged, nothing failing: " << r.err;
  EXPECT_EQ(report_on(nlohmann::json::parse(r.out), id), nullptr);
  EXPECT_THAT(r.err, HasSubstr(fmt::format("not judged: runc {} (pid {}): not running", id, pid)));
}

TEST_F(Scan, BadCommandLines) {
  EXPECT_EQ(rf({"audit", "scan", "--profile", "default", "--benchmark", "cis-docker"}).status, 2);
  EXPECT_EQ(rf({"audit", "scan", "--benchmark", "nist"}).status, 2);
  EXPECT_EQ(rf({"audit", "scan", "--state-dir", "youki=/run/youki"}).status, 2);
  EXPECT_EQ(rf({"audit", "scan", "--state-dir", "runc"}).status, 2);
  EXPECT_EQ(rf({"audit", "scan", "--profile-map", dir_ / "missing.toml"}).status, 2);
}

}  // namespace
}  // namespace ringfence::itest
