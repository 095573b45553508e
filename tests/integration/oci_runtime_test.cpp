// ringfence-oci as an engine calls it: a bundle made here (the test rootfs,
// a config.json in runc's shape), then create / start / state / kill /
// pause / exec / delete, looking at the real process, cgroup and files.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <sstream>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "fault_injection.h"
#include "harness.h"
#include "leaks.h"

namespace ringfence::itest {
namespace {

using nlohmann::json;

// runc spec's config, narrowed to what the tests need: busybox's sh, the
// test rootfs read-only, /out bound from the host for what the container
// says (its stdout is the create's, which the engine owns).
json base_config(const std::string& out_dir, const std::string& script) {
  const std::vector<std::string> caps = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"};
  return json{
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"/bin/sh", "-c", script}},
        {"env", {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", test_rootfs()}, {"readonly", true}}},
      {"hostname", "oci-test"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
        {{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "nodev"}}},
        {{"destination", "/out"}, {"type", "bind"}, {"source", out_dir}, {"options", {"rbind", "rw"}}}}},
      {"linux",
       {{"namespaces", {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}}},
        {"maskedPaths", {"/proc/kcore", "/proc/keys"}},
        // Docker's shape, cut to one rule: everything allowed but mkdir,
        // which fails with EPERM.
        {"seccomp",
         {{"defaultAction", "SCMP_ACT_ALLOW"},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
          {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}}},
        {"readonlyPaths", {"/proc/sys", "/proc/sysrq-trigger"}}}}};
}

class OciRuntime : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    bundle_.emplace("ringfence-oci-bundle");
    out_.emplace("ringfence-oci-out");
    chmod(out_->path().c_str(), 0777);
  }

  void write_config(const json& config) {
    std::ofstream(bundle_->path() + "/config.json") << config.dump(2);
  }

  // ringfence oci --root STATE ARGS, its output in files: a created
  // container holds the create's stdout open until it ends, as under an
  // engine, so pipes would never reach end-of-file. `prefix`: a program
  // (absolute path) and its arguments that run ringfence (setpriv).
  Result oci(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {}) {
    TempDir io("ringfence-oci-io");
    const pid_t pid = fork();
    if (pid == 0) {
      const int in = open("/dev/null", O_RDONLY);
      const int out = open((io / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = open((io / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<std::string> all = prefix;
      for (const std::string& a : {std::string(RINGFENCE_BINARY), std::string("oci"), std::string("--root"),
                                   state_root(), std::string("--audit-log"), audit_log()})
        all.push_back(a);
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    Result r;
    r.status = wait_status(pid);
    r.out = read_text(io / "out");
    r.err = read_text(io / "err");
    return r;
  }

  json state(const std::string& id) {
    auto r = oci({"state", id});
    if (r.status != 0) return json{{"status", "error: " + r.err}};
    return json::parse(r.out);
  }

  // Waits (bounded) until `done` holds.
  template <class F>
  bool eventually(F done, int seconds = 20) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  std::string out(const std::string& file) { return read_text(out_->path() + "/" + file); }
  std::string id(const std::string& base) { return name(base); }

  std::optional<TempDir> bundle_, out_;
};

// Whether any process still runs the ringfence binary with `id` in its
// command line: create and start must leave none.
// The file name of the executable of a process of ringfence's for `id`
// ("" when there is none).
std::string ringfence_process_exe(const std::string& id) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos || std::stoi(pid) == getpid()) continue;
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink(entry.path() / "exe", ec);
    // The ringfence binary, or the small supervisor it becomes
    // (runtime/src/handover.h), which names its sandbox on its command line.
    if (ec || (exe.filename() != "ringfence" && exe.filename() != "ringfence-supervisor")) continue;
    std::string cmdline = read_text(entry.path().string() + "/cmdline");
    if (cmdline.find(id) != std::string::npos) return exe.filename();
  }
  return "";
}

bool ringfence_process_for(const std::string& id) { return !ringfence_process_exe(id).empty(); }

// How many small supervisors name `id` on their command line.
int small_supervisors_of(const std::string& id) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path() / "exe", ec).filename() != "ringfence-supervisor") continue;
    std::string cmdline = read_text(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(" " + id + " ") != std::string::npos) ++n;
  }
  return n;
}

TEST_F(OciRuntime, CreateWaitsBeforeTheExecAndStartReleasesIt) {
  const std::string c = id("life");
  write_config(base_config(out_->path(), "echo started > /out/marker; exec sleep 1000"));
  auto r = oci({"create", "--bundle", bundle_->path(), "--pid-file", out_->path() + "/pid", c});
  ASSERT_EQ(r.status, 0) << r.err;
  auto s = state(c);
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["bundle"], bundle_->path());
  const int pid = s["pid"].get<int>();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(std::to_string(pid), out("pid"));
  // Every step ran: the process is already in its namespaces and cgroup,
  // waiting, and the program has not started.
  std::error_code ec;
  EXPECT_NE(std::filesystem::read_symlink(fmt::format("/proc/{}/ns/pid", pid), ec),
            std::filesystem::read_symlink("/proc/self/ns/pid", ec));
  EXPECT_FALSE(exists(out_->path() + "/marker"));
  // Nothing of ringfence is resident between create and start.
  EXPECT_FALSE(ringfence_process_for(c));

  r = oci({"start", c});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return out("marker") == "started\n"; }));
  EXPECT_EQ(state(c)["status"], "running");
  EXPECT_FALSE(ringfence_process_for(c));
  // A second start is refused: it is no longer created.
  r = oci({"start", c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not created"), std::string::npos) << r.err;

  r = oci({"kill", c, "KILL"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return state(c)["status"] == "stopped"; }));
  r = oci({"delete", c});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c));
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c));
  // The audit log holds the container's life, and verifies.
  const std::string log = read_text(audit_log());
  for (const char* event : {"sandbox.create", "container.created", "sandbox.start", "container.kill", "container.delete"})
    EXPECT_NE(log.find(fmt::format("\"event\":\"{}\"", event)), std::string::npos) << event;
  EXPECT_EQ(ringfence({"audit", "verify", audit_log()}).status, 0);
}

TEST_F(OciRuntime, TheProcessGetsWhatConfigJsonSays) {
  const std::string c = id("facts");
  write_config(base_config(out_->path(), "cat /proc/self/status > /out/status; hostname > /out/hostname; "
                                         "grep ' / ' /proc/self/mountinfo > /out/root; touch /x 2> /out/touch; "
                                         "mkdir /tmp/d 2> /out/mkdir; true"));
  ASSERT_EQ(oci({"run", "--bundle", bundle_->path(), c}).status, 0);
  const std::string status = out("status");
  // CHOWN KILL NET_BIND_SERVICE SETUID SETGID = bits 0 5 10 7 6.
  EXPECT_NE(status.find("CapEff:\t00000000000004e1"), std::string::npos) << status;
  EXPECT_NE(status.find("CapBnd:\t00000000000004e1"), std::string::npos) << status;
  EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos);
  EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos) << status;
  EXPECT_NE(out("mkdir").find("Operation not permitted"), std::string::npos) << "config.json's filter: " << out("mkdir");
  EXPECT_EQ(out("hostname"), "oci-test\n");
  EXPECT_NE(out("root").find(" ro"), std::string::npos) << out("root");
  EXPECT_NE(out("touch").find("Read-only"), std::string::npos) << out("touch");
  EXPECT_FALSE(exists(state_root() + "/" + c)) << "run deletes what it created";
}

TEST_F(OciRuntime, RunReturnsTheProgramsStatus) {
  const std::string c = id("status");
  write_config(base_config(out_->path(), "exit 7"));
  EXPECT_EQ(oci({"run", "--bundle", bundle_->path(), c}).status, 7);
}

// The audit log's records of one event kind, parsed.
std::vector<json> records_of(const std::string& log, const std::string& event) {
  std::vector<json> out;
  std::istringstream in(read_text(log));
  for (std::string line; std::getline(in, line);) {
    auto r = json::parse(line, nullptr, false);
    if (!r.is_discarded() && r.value("event", "") == event) out.push_back(r);
  }
  return out;
}

// What a bundle asks beyond the site policy: refused in enforce mode, with
// the policy key and the JSON path that asked, nothing left behind, and a
// record; tightened in clamp mode, which the process then shows.
TEST_F(OciRuntime, TheSitePolicyFloorRefusesOrClampsWhatTheBundleAsks) {
  auto config = base_config(out_->path(), "cat /proc/self/status > /out/status; "
                                          "cat /sys/fs/cgroup/memory/memory.limit_in_bytes > /out/memory; true");
  for (const char* set : {"bounding", "effective", "permitted"})
    config["process"]["capabilities"][set].push_back("CAP_SYS_ADMIN");
  config["linux"].erase("seccomp");  // what seccomp=unconfined sends
  // What --privileged adds to the device cgroup.
  config["linux"]["resources"]["devices"] = json::array({{{"allow", true}, {"access", "rwm"}}});
  write_config(config);
  const std::string policy = out_->path() + "/policy.toml";
  const std::string ceiling = "ceiling = [\"CHOWN\", \"KILL\", \"NET_BIND_SERVICE\", \"SETUID\", \"SETGID\"]\n";

  const std::string refused = id("floor-refused");
  std::ofstream(policy) << "[capabilities]\n" << ceiling << "[privileged]\nallowed = false\n";
  auto r = oci({"--policy", policy, "create", "--bundle", bundle_->path(), refused});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("config.json:/process/capabilities/bounding/5: error: the site policy refuses CAP_SYS_ADMIN "
                       "(capabilities.ceiling at " + policy + ":2:11, enforce)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("config.json:/linux/resources/devices/0: error: the site policy refuses privileged"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + refused));
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + refused));
  EXPECT_FALSE(ringfence_process_for(refused));
  const auto refusals = records_of(audit_log(), "floor.refuse");
  ASSERT_EQ(refusals.size(), 2u) << read_text(audit_log());
  // In the floor's order: privileged first, then capabilities.
  EXPECT_EQ(refusals[0]["policy_key"], "privileged.allowed");
  EXPECT_EQ(refusals[1]["sandbox"], refused);
  EXPECT_EQ(refusals[1]["asked"], "CAP_SYS_ADMIN");
  EXPECT_EQ(refusals[1]["policy_key"], "capabilities.ceiling");
  EXPECT_EQ(refusals[1]["policy"], policy + ":2:11");
  EXPECT_TRUE(records_of(audit_log(), "container.created").empty());

  const std::string clamped = id("floor-clamped");
  std::ofstream(policy) << "[capabilities]\nmode = \"clamp\"\n" << ceiling
                        << "[seccomp]\nrequired = true\nmode = \"clamp\"\n"
                        << "[privileged]\nallowed = false\nmode = \"clamp\"\n"
                        << "[resources]\nmemory_max = \"64m\"\n";
  r = oci({"--policy", policy, "run", "--bundle", bundle_->path(), clamped});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string status = out("status");
  // Without the floor this bundle gets CAP_SYS_ADMIN (bit 21) and no filter.
  EXPECT_NE(status.find("CapBnd:\t00000000000004e1"), std::string::npos) << status;
  EXPECT_NE(status.find("CapEff:\t00000000000004e1"), std::string::npos) << status;
  EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos) << status;
  EXPECT_EQ(out("memory"), "67108864\n");
  EXPECT_NE(r.err.find("clamps CAP_SYS_ADMIN asked by " + bundle_->path() + "/config.json:/process/capabilities/"
                       "bounding/5; applied: dropped"),
            std::string::npos)
      << r.err;
  std::set<std::string> controls;
  for (const auto& rec : records_of(audit_log(), "floor.clamp")) {
    EXPECT_EQ(rec["sandbox"], clamped);
    controls.insert(rec["control"].get<std::string>());
  }
  EXPECT_EQ(controls, (std::set<std::string>{"floor.capabilities", "floor.seccomp", "floor.privileged",
                                              "floor.resources"}));
  EXPECT_EQ(std::system((std::string(RINGFENCE_BINARY) + " audit verify " + audit_log() + " > /dev/null").c_str()), 0);

  // Without a floor the same bundle runs as asked: the checks above see
  // the floor, not something else.
  const std::string bare = id("floor-none");
  r = oci({"run", "--bundle", bundle_->path(), bare});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(out("status").find("CapBnd:\t00000000002004e1"), std::string::npos) << out("status");
  EXPECT_NE(out("status").find("Seccomp:\t0"), std::string::npos) << out("status");
}

// The floor's clamps are part of the audit trail: a create whose
// decisions cannot be recorded does not run the container.
TEST_F(OciRuntime, AFloorDecisionThatCannotBeAuditedStopsTheCreate) {
  write_config(base_config(out_->path(), "true"));
  const std::string policy = out_->path() + "/policy.toml";
  std::ofstream(policy) << "[resources]\npids_max = 100\n";  // fills in an unset limit: a clamp
  ASSERT_EQ(mkdir(audit_log().c_str(), 0700), 0);            // the log's path cannot be a file now
  const std::string c = id("unaudited");
  auto r = oci({"--policy", policy, "create", "--bundle", bundle_->path(), c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("the site policy's decisions cannot be written to the audit log"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c));
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c));
  rmdir(audit_log().c_str());
}

// A process that holds a network and a UTS namespace of its own (what
// podman's netavark or a pod's infra container makes), killed at the end.
class NamespaceHolder {
 public:
  NamespaceHolder() {
    int ready[2];
    if (pipe(ready) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(ready[0]);
      if (unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0 || sethostname("joined-uts", 10) != 0) _exit(1);
      (void)!write(ready[1], "x", 1);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char c = 0;
    ok_ = pid_ > 0 && read(ready[0], &c, 1) == 1;
    close(ready[0]);
  }
  ~NamespaceHolder() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return ok_; }
  std::string ns(const std::string& kind) const { return fmt::format("/proc/{}/ns/{}", pid_, kind); }

 private:
  pid_t pid_ = -1;
  bool ok_ = false;
};

TEST_F(OciRuntime, NamespacesAreJoinedByPathAfterTheirKindIsChecked) {
  NamespaceHolder holder;
  ASSERT_TRUE(holder.ok());
  auto config = base_config(out_->path(), "readlink /proc/self/ns/net > /out/net; hostname > /out/host");
  config.erase("hostname");  // the joined UTS namespace keeps its own
  auto with_paths = [&](const std::string& net, const std::string& uts) {
    auto c = config;
    c["linux"]["namespaces"] = json::array({{{"type", "pid"}},
                                            {{"type", "network"}, {"path", net}},
                                            {{"type", "ipc"}},
                                            {{"type", "uts"}, {"path", uts}},
                                            {{"type", "mount"}}});
    return c;
  };
  write_config(with_paths(holder.ns("net"), holder.ns("uts")));
  auto r = oci({"run", "--bundle", bundle_->path(), id("joined")});
  ASSERT_EQ(r.status, 0) << r.err;
  std::error_code ec;
  EXPECT_EQ(out("net"), std::filesystem::read_symlink(holder.ns("net"), ec).string() + "\n");
  EXPECT_NE(out("net"), std::filesystem::read_symlink("/proc/self/ns/net", ec).string() + "\n");
  EXPECT_EQ(out("host"), "joined-uts\n");

  // A namespace of another kind, or a file that is no namespace at all.
  const std::string plain = out_->path() + "/plain";
  std::ofstream(plain) << "x";
  for (const auto& [net, message] : std::vector<std::pair<std::string, std::string>>{
           {holder.ns("uts"), "is a namespace of another kind, not a net namespace"},
           {plain, "is not a namespace file"}}) {
    write_config(with_paths(net, holder.ns("uts")));
    const std::string c = id("wrong-kind");
    r = oci({"create", "--bundle", bundle_->path(), c});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(exists(state_root() + "/" + c));
  }

  // Under a floor without host networking, the host's own namespace file
  // is the host network, and a private one is not.
  const std::string policy = out_->path() + "/policy.toml";
  std::ofstream(policy) << "[namespaces]\nhost_net = false\n";
  const std::string ours = fmt::format("/proc/{}/ns/net", getpid());  // the host's: this test runs there
  write_config(with_paths(ours, holder.ns("uts")));
  r = oci({"--policy", policy, "create", "--bundle", bundle_->path(), id("host-net")});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("the site policy refuses ns:" + ours + " (namespaces.host_net"), std::string::npos) << r.err;
  write_config(with_paths(holder.ns("net"), holder.ns("uts")));
  r = oci({"--policy", policy, "run", "--bundle", bundle_->path(), id("private-net")});
  EXPECT_EQ(r.status, 0) << r.err;
}

// audit check of an engine's container against its own bundle: what runs
// is what config.json asked for; a looser bundle does not pass for it.
TEST_F(OciRuntime, AuditCheckJudgesAContainerAgainstItsBundle) {
  const std::string c = id("checked");
  write_config(base_config(out_->path(), "exec sleep 1000"));
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  ASSERT_EQ(oci({"start", c}).status, 0);
  auto r = rf({"audit", "check", "--name", c, "--oci", bundle_->path()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;

  TempDir looser_dir("ringfence-oci-looser");
  auto looser = base_config(out_->path(), "exec sleep 1000");
  for (const char* set : {"bounding", "effective", "permitted"})
    looser["process"]["capabilities"][set].push_back("CAP_SYS_ADMIN");
  looser["linux"].erase("seccomp");
  std::ofstream(looser_dir / "config.json") << looser.dump();
  r = rf({"audit", "check", "--name", c, "--oci", looser_dir.path()});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("RF-CAP-007 fail"), std::string::npos) << "the capabilities it would have had: " << r.err;
  EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
}

// The events of the audit log, in order, for one container.
std::vector<std::string> events_of(const std::string& log, const std::string& sandbox) {
  std::vector<std::string> out;
  std::istringstream in(read_text(log));
  for (std::string line; std::getline(in, line);) {
    auto r = json::parse(line, nullptr, false);
    if (!r.is_discarded() && r.value("sandbox", "") == sandbox) out.push_back(r.value("event", ""));
  }
  return out;
}

// A notify rule needs someone to answer while the engine's shim owns the
// process: a monitor does, records each call, and records the exit status
// it learns from the kernel, then ends by itself.
TEST_F(OciRuntime, AMonitorAnswersNotifyRulesAndRecordsTheExitStatus) {
  const std::string c = id("monitor");
  auto config = base_config(out_->path(), "mkdir /tmp/d 2> /out/mkdir; exit 3");
  config["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  EXPECT_EQ(ringfence_process_exe(c), "ringfence-supervisor") << "the monitor waits with the container, small";
  ASSERT_EQ(oci({"start", c}).status, 0);
  // The test process is not the container's parent, so it sees the exit
  // the way an engine's shim would not: only that the process is gone.
  EXPECT_TRUE(eventually([&] { return state(c)["status"] == "stopped"; }));
  EXPECT_TRUE(eventually([&] { return !ringfence_process_for(c); })) << "the monitor ends with the container";
  EXPECT_NE(out("mkdir").find("Operation not permitted"), std::string::npos) << out("mkdir");

  const auto notes = records_of(audit_log(), "seccomp.notify");
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0]["sandbox"], c);
  EXPECT_EQ(notes[0]["syscall"], "mkdir");
  EXPECT_EQ(notes[0]["answer"], "EPERM");
  EXPECT_NE(notes[0]["rule"].get<std::string>().find("config.json"), std::string::npos) << notes[0];
  const auto stops = records_of(audit_log(), "sandbox.stop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["exit_status"], 3) << "the kernel's exit event, not a wait: the monitor is not the parent";

  ASSERT_EQ(oci({"delete", c}).status, 0);
  const auto events = events_of(audit_log(), c);
  const std::vector<std::string> tail(events.end() - 4, events.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"sandbox.start", "seccomp.notify", "sandbox.stop", "container.delete"}));
  EXPECT_EQ(ringfence({"audit", "verify", audit_log()}).status, 0);
}

// The site policy's `[seccomp] audit = true`: a container's refused calls
// are recorded, by a monitor that reads the kernel's records while the
// engine's shim owns the process; without it they are refused unrecorded
// and nothing stays resident.
TEST_F(OciRuntime, TheSitePolicysSeccompAuditRecordsEveryRefusal) {
  auto config = base_config(out_->path(), "mkdir /tmp/d 2> /out/mkdir; exit 4");
  // A log rule too: sh asks for its parent's pid as it starts ($PPID).
  config["linux"]["seccomp"]["syscalls"].push_back({{"names", {"getppid"}}, {"action", "SCMP_ACT_LOG"}});
  write_config(config);
  const std::string policy = out_->path() + "/policy.toml";
  std::ofstream(policy) << "[seccomp]\naudit = true\n";

  const std::string c = id("audited");
  ASSERT_EQ(oci({"--policy", policy, "create", "--bundle", bundle_->path(), c}).status, 0);
  EXPECT_TRUE(ringfence_process_for(c)) << "a monitor reads the kernel's records while the container runs";
  ASSERT_EQ(oci({"start", c}).status, 0);
  EXPECT_TRUE(eventually([&] { return state(c)["status"] == "stopped"; }));
  EXPECT_TRUE(eventually([&] { return !ringfence_process_for(c); })) << "the monitor ends with the container";
  EXPECT_NE(out("mkdir").find("Operation not permitted"), std::string::npos) << out("mkdir");
  ASSERT_EQ(oci({"delete", c}).status, 0);

  EXPECT_TRUE(records_of(audit_log(), "floor.clamp").empty()) << "recording is no clamp of the container";
  std::vector<json> denied;
  for (const auto& d : records_of(audit_log(), "seccomp.denied"))
    if (d["sandbox"] == c) denied.push_back(d);
  ASSERT_FALSE(denied.empty()) << read_text(audit_log());
  EXPECT_TRUE(denied[0]["syscall"] == "mkdir" || denied[0]["syscall"] == "mkdirat") << denied[0];
  EXPECT_EQ(denied[0]["answer"], "EPERM") << denied[0];
  EXPECT_NE(denied[0]["rule"].get<std::string>().find("config.json"), std::string::npos) << denied[0];
  bool logged = false;
  for (const auto& l : records_of(audit_log(), "seccomp.logged"))
    logged = logged || (l["sandbox"] == c && l["syscall"] == "getppid");
  EXPECT_TRUE(logged) << "an SCMP_ACT_LOG call is in ringfence's log too:\n" << read_text(audit_log());
  const auto stops = records_of(audit_log(), "sandbox.stop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["exit_status"], 4);
  EXPECT_EQ(ringfence({"audit", "verify", audit_log()}).status, 0);

  // Without the key: refused all the same, not recorded, nothing resident.
  const std::string bare = id("unaudited");
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), bare}).status, 0);
  EXPECT_FALSE(ringfence_process_for(bare));
  ASSERT_EQ(oci({"start", bare}).status, 0);
  EXPECT_TRUE(eventually([&] { return state(bare)["status"] == "stopped"; }));
  ASSERT_EQ(oci({"delete", bare}).status, 0);
  EXPECT_NE(out("mkdir").find("Operation not permitted"), std::string::npos) << out("mkdir");
  for (const auto& d : records_of(audit_log(), "seccomp.denied")) EXPECT_NE(d["sandbox"], bare) << d;
}

// Recording the site policy requires is not skipped: without
// CAP_AUDIT_READ ringfence cannot read the kernel's records, and the create
// fails and leaves nothing, where without the key it only warns.
TEST_F(OciRuntime, ACreateThatCannotRecordWhatTheSitePolicyRequiresFails) {
  const std::string setpriv = "/usr/bin/setpriv";
  if (!exists(setpriv)) GTEST_SKIP() << "setpriv (util-linux) is not installed";
  const std::vector<std::string> no_audit_read = {setpriv, "--bounding-set", "-audit_read", "--inh-caps",
                                                  "-audit_read"};
  write_config(base_config(out_->path(), "true"));
  const std::string policy = out_->path() + "/policy.toml";
  std::ofstream(policy) << "[seccomp]\naudit = true\n";

  const std::string c = id("unrecordable");
  auto r = oci({"--policy", policy, "create", "--bundle", bundle_->path(), c}, no_audit_read);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("the site policy requires refused calls to be recorded (seccomp.audit), and they cannot be"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c));
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c));
  EXPECT_FALSE(ringfence_process_for(c));
  EXPECT_TRUE(records_of(audit_log(), "container.created").empty());

  // The same lack of the capability without the key: a bundle's refusals
  // are not recorded then, so nothing is missing and the create succeeds.
  const std::string bare = id("unrecorded");
  r = oci({"create", "--bundle", bundle_->path(), bare}, no_audit_read);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(oci({"delete", "--force", bare}).status, 0);
}

// linux.seccomp.listenerPath: the notify descriptor goes to the engine's
// agent with the container's process state (runtime spec, "The Container
// Process State"), the agent answers, and ringfence keeps no monitor.
TEST_F(OciRuntime, AListenerPathGetsTheNotifyDescriptorAndTheState) {
  const std::string c = id("listener");
  const std::string socket_path = out_->path() + "/agent.sock";
  const int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(server, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, socket_path.c_str());
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(server, 1), 0);

  // The agent: takes the message and its descriptor, then answers every
  // notification with EXDEV until the filter's last user is gone.
  json received;
  int answered = 0;
  std::thread agent([&] {
    const int conn = accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;
    std::string buf(65536, '\0');
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    close(conn);
    if (n <= 0) return;
    received = json::parse(buf.substr(0, static_cast<std::size_t>(n)), nullptr, false);
    const cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS) return;
    int notify = -1;
    std::memcpy(&notify, CMSG_DATA(cm), sizeof notify);
    while (true) {
      pollfd p{notify, POLLIN, 0};
      if (poll(&p, 1, 30'000) <= 0 || !(p.revents & POLLIN)) break;
      seccomp_notif req{};
      if (ioctl(notify, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) continue;
      seccomp_notif_resp resp{};
      resp.id = req.id;
      resp.error = -EXDEV;
      if (ioctl(notify, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0) ++answered;
    }
    close(notify);
  });

  auto config = base_config(out_->path(), "mkdir /tmp/d 2> /out/mkdir; true");
  config["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
  config["linux"]["seccomp"]["listenerPath"] = socket_path;
  config["linux"]["seccomp"]["listenerMetadata"] = "pod=web";
  write_config(config);
  auto r = oci({"create", "--bundle", bundle_->path(), c});
  if (r.status != 0) shutdown(server, SHUT_RDWR);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(ringfence_process_for(c)) << "the agent answers: no monitor";
  const int pid = state(c)["pid"].get<int>();
  ASSERT_EQ(oci({"start", c}).status, 0);
  EXPECT_TRUE(eventually([&] { return state(c)["status"] == "stopped"; }));
  agent.join();
  close(server);
  EXPECT_EQ(received["ociVersion"], "1.2.0") << received;
  EXPECT_EQ(received["fds"], json::array({"seccompFd"}));
  EXPECT_EQ(received["pid"], pid);
  EXPECT_EQ(received["metadata"], "pod=web");
  EXPECT_EQ(received["state"]["id"], c);
  EXPECT_EQ(answered, 1);
  EXPECT_NE(out("mkdir").find("Invalid cross-device link"), std::string::npos) << "the agent's answer: " << out("mkdir");
  const auto created = records_of(audit_log(), "container.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0]["seccomp_listener"], socket_path);
  ASSERT_EQ(oci({"delete", c}).status, 0);

  // Nobody listening, or no rule that would use it: refused, nothing left.
  const std::string c2 = id("nolistener");
  unlink(socket_path.c_str());
  r = oci({"create", "--bundle", bundle_->path(), c2});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("connect to linux.seccomp.listenerPath"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c2));
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c2));
  config["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_ERRNO";
  write_config(config);
  r = oci({"create", "--bundle", bundle_->path(), c2});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no rule sends calls to a listener"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c2));
}

// A monitor that cannot set itself up fails the create: the container must
// not run with calls that nobody answers or records.
TEST_F(OciRuntime, AMonitorThatCannotBeSetUpFailsTheCreate) {
  RINGFENCE_SKIP_WITHOUT_FAULT_INJECTION();
  // Before the monitor's exec of the small supervisor, and in it.
  for (const char* point : {"monitor", "small-supervisor"}) {
    SCOPED_TRACE(point);
    const std::string c = id(std::string("nomonitor-") + point);
    auto config = base_config(out_->path(), "echo ran > /out/ran");
    config["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
    write_config(config);
    setenv("RINGFENCE_FAIL_STEP", point, 1);
    auto r = oci({"create", "--bundle", bundle_->path(), c});
    unsetenv("RINGFENCE_FAIL_STEP");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("the container's monitor could not be set up: injected failure"), std::string::npos)
        << r.err;
    EXPECT_FALSE(exists(state_root() + "/" + c));
    EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c));
    EXPECT_FALSE(ringfence_process_for(c));
    EXPECT_FALSE(exists(out_->path() + "/ran"));
  }
}

// podman's conmon runs `exec --detach`: the exec'd process is the shim's
// too, and its own monitor answers its calls and records how it ended; a
// container killed by a signal is recorded with 128+N.
TEST_F(OciRuntime, ADetachedExecUnderNotifyRulesIsMonitoredToo) {
  const std::string c = id("monexec");
  auto config = base_config(out_->path(), "exec sleep 1000");
  config["linux"]["seccomp"]["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  ASSERT_EQ(oci({"start", c}).status, 0);
  auto r = oci({"exec", "--detach", c, "/bin/sh", "-c",
                 "mkdir /tmp/e 2> /out/exec-mkdir; until [ -e /out/go ]; do sleep 0.05; done; exit 5"});
  ASSERT_EQ(r.status, 0) << r.err;
  // The container's monitor and the exec's, both the small supervisor.
  EXPECT_EQ(small_supervisors_of(c), 2);
  write_file(out_->path() + "/go", "");
  ASSERT_TRUE(eventually([&] { return !records_of(audit_log(), "exec.stop").empty(); }));
  EXPECT_EQ(records_of(audit_log(), "exec.stop")[0]["exit_status"], 5);
  EXPECT_NE(out("exec-mkdir").find("Operation not permitted"), std::string::npos) << out("exec-mkdir");
  const auto notes = records_of(audit_log(), "seccomp.notify");
  ASSERT_EQ(notes.size(), 1u) << "the exec's call, once";
  EXPECT_EQ(notes[0]["syscall"], "mkdir");

  ASSERT_EQ(oci({"kill", c, "KILL"}).status, 0);
  ASSERT_EQ(oci({"delete", "--force", c}).status, 0);
  const auto stops = records_of(audit_log(), "sandbox.stop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["exit_status"], 128 + SIGKILL);
  EXPECT_EQ(ringfence({"audit", "verify", audit_log()}).status, 0);
}

// Without notify rules nothing stays resident, yet an OOM kill is still
// recorded: `delete` reads the cgroup's counters before it removes it.
TEST_F(OciRuntime, WithoutAMonitorDeleteRecordsTheOomKills) {
  const std::string c = id("oom");
  auto config = base_config(out_->path(), "a=xxxxxxxx; while :; do a=$a$a; done");
  config["linux"]["resources"]["memory"] = {{"limit", 32 << 20}, {"swap", 32 << 20}};
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  ASSERT_EQ(oci({"start", c}).status, 0);
  EXPECT_FALSE(ringfence_process_for(c));
  EXPECT_TRUE(eventually([&] { return state(c)["status"] == "stopped"; }, 120));
  ASSERT_EQ(oci({"delete", c}).status, 0);
  const auto oom = records_of(audit_log(), "cgroup.oom");
  ASSERT_EQ(oom.size(), 1u);
  EXPECT_GE(oom[0]["oom_kills"].get<int>(), 1);
  EXPECT_EQ(oom[0]["memory_limit"], std::to_string(32 << 20));
  EXPECT_TRUE(records_of(audit_log(), "sandbox.stop").empty()) << "only a monitor knows the status";
}

TEST_F(OciRuntime, PauseFreezesAndResumeThaws) {
  const std::string c = id("pause");
  write_config(base_config(out_->path(), "exec sleep 1000"));
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  ASSERT_EQ(oci({"start", c}).status, 0);
  ASSERT_EQ(oci({"pause", c}).status, 0);
  EXPECT_EQ(state(c)["status"], "paused");
  EXPECT_EQ(read_text("/sys/fs/cgroup/freezer/ringfence/" + c + "/freezer.state"), "FROZEN\n");
  EXPECT_EQ(oci({"pause", c}).status, 1) << "already paused";
  ASSERT_EQ(oci({"resume", c}).status, 0);
  EXPECT_EQ(state(c)["status"], "running");
  EXPECT_EQ(oci({"delete", c}).status, 1) << "a running container needs --force";
  EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
  EXPECT_FALSE(exists("/sys/fs/cgroup/freezer/ringfence/" + c));
}

// Docker's --device-read-bps and `docker update --blkio-weight`'s JSON: the
// throttle is in the container's own blkio cgroup, update changes it there,
// and delete removes that directory with the others.
TEST_F(OciRuntime, BlockIoThrottlesAreSetAndUpdated) {
  if (!exists("/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device"))
    GTEST_SKIP() << "this host mounts no blkio hierarchy (v1)";
  const std::string disk = a_whole_disk();
  const auto colon = disk.find(':');
  const json device = {{"major", std::stoll(disk.substr(0, colon))}, {"minor", std::stoll(disk.substr(colon + 1))}};
  const std::string c = id("blkio");
  auto config = base_config(out_->path(), "exec sleep 1000");
  json read_bps = device;
  read_bps["rate"] = 1048576;
  config["linux"]["resources"]["blockIO"] = {{"weight", 0}, {"throttleReadBpsDevice", {read_bps}}};
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  const std::string dir = "/sys/fs/cgroup/blkio/ringfence/" + c;
  EXPECT_EQ(read_text(dir + "/blkio.throttle.read_bps_device"), disk + " 1048576\n");

  json write_iops = device;
  write_iops["rate"] = 50;
  read_bps["rate"] = 2097152;
  std::ofstream(out_->path() + "/resources.json") << json{
      {"blockIO", {{"throttleReadBpsDevice", {read_bps}}, {"throttleWriteIOPSDevice", {write_iops}}}}}.dump();
  auto r = oci({"update", "--resources", out_->path() + "/resources.json", c});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(dir + "/blkio.throttle.read_bps_device"), disk + " 2097152\n");
  EXPECT_EQ(read_text(dir + "/blkio.throttle.write_iops_device"), disk + " 50\n");
  // update reads blockIO as create does: what create refuses, it refuses.
  std::ofstream(out_->path() + "/leaf.json") << R"({"blockIO": {"leafWeight": 10}})";
  r = oci({"update", "--resources", out_->path() + "/leaf.json", c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("leaf.json:/blockIO/leafWeight"), std::string::npos) << r.err;
  EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
  EXPECT_FALSE(exists(dir));

  // A container made without block I/O limits has no blkio cgroup; an
  // update gives it one (`docker update --blkio-weight` on any container),
  // with every process of the container in it, and leaves it running.
  const std::string plain = id("noblkio");
  config["linux"]["resources"].erase("blockIO");
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), plain}).status, 0);
  ASSERT_EQ(oci({"start", plain}).status, 0);
  const std::string added = "/sys/fs/cgroup/blkio/ringfence/" + plain;
  EXPECT_FALSE(exists(added));
  r = oci({"update", "--resources", out_->path() + "/resources.json", plain});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(added + "/blkio.throttle.read_bps_device"), disk + " 2097152\n");
  EXPECT_EQ(read_text(added + "/cgroup.procs"), read_text("/sys/fs/cgroup/pids/ringfence/" + plain + "/cgroup.procs"))
      << "every process of the container moved in";
  EXPECT_EQ(state(plain)["status"], "running") << "thawed after the move";
  EXPECT_EQ(oci({"delete", "--force", plain}).status, 0);
  EXPECT_FALSE(exists(added)) << "delete removes the directory update made";
}

// Kubernetes' hugepageLimits: a limit for every size the node has, 0 for
// those the pod did not ask for. Set at create, changed by update, gone
// with delete. (In a hugetlb mount of the test's own on this machine.)
TEST_F(OciRuntime, HugepageLimitsAreSetAndUpdated) {
  HugetlbHierarchy hugetlb;
  if (!hugetlb.skip_reason().empty()) GTEST_SKIP() << hugetlb.skip_reason();
  if (!exists(hugetlb.path() + "/hugetlb.2MB.limit_in_bytes")) GTEST_SKIP() << "this kernel has no 2 MiB huge pages";
  const std::string c = id("hugetlb");
  auto config = base_config(out_->path(), "exec sleep 1000");
  config["linux"]["resources"]["hugepageLimits"] = {{{"pageSize", "2MB"}, {"limit", 4194304}}};
  write_config(config);
  auto r = oci({"create", "--bundle", bundle_->path(), c});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string dir = hugetlb.path() + "/ringfence/" + c;
  EXPECT_EQ(read_text(dir + "/hugetlb.2MB.limit_in_bytes"), "4194304\n");

  std::ofstream(out_->path() + "/huge.json") << R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]})";
  r = oci({"update", "--resources", out_->path() + "/huge.json", c});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(dir + "/hugetlb.2MB.limit_in_bytes"), "0\n") << "0 is a limit: no huge pages";
  // update checks what create checks: part of a page is refused.
  std::ofstream(out_->path() + "/part.json") << R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 1024}]})";
  r = oci({"update", "--resources", out_->path() + "/part.json", c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("part.json:/hugepageLimits/0/limit"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(dir + "/hugetlb.2MB.limit_in_bytes"), "0\n");
  EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
  EXPECT_FALSE(exists(dir));

  // A container made without huge page limits gets a hugetlb cgroup from
  // an update. Paused, it stays paused: the move freezes it only if it
  // was not frozen already.
  const std::string plain = id("nohugetlb");
  config["linux"]["resources"].erase("hugepageLimits");
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), plain}).status, 0);
  ASSERT_EQ(oci({"start", plain}).status, 0);
  ASSERT_EQ(oci({"pause", plain}).status, 0);
  const std::string added = hugetlb.path() + "/ringfence/" + plain;
  EXPECT_FALSE(exists(added));
  r = oci({"update", "--resources", out_->path() + "/huge.json", plain});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(added + "/hugetlb.2MB.limit_in_bytes"), "0\n");
  EXPECT_EQ(read_text(added + "/cgroup.procs"), read_text("/sys/fs/cgroup/pids/ringfence/" + plain + "/cgroup.procs"));
  EXPECT_EQ(state(plain)["status"], "paused");
  EXPECT_EQ(oci({"resume", plain}).status, 0);
  EXPECT_EQ(oci({"delete", "--force", plain}).status, 0);
  EXPECT_FALSE(exists(added));
}

// podman's --cgroup-conf: linux.resources.unified. This machine runs its
// controllers on cgroup v1, which has no such files: create fails saying
// so and leaves no container; on v2 the file is in the container's cgroup.
TEST_F(OciRuntime, UnifiedFilesNeedCgroupV2) {
  const std::string c = id("unified");
  auto config = base_config(out_->path(), "exec sleep 1000");
  config["linux"]["resources"]["unified"] = {{"memory.high", "512M"}};
  write_config(config);
  auto r = oci({"create", "--bundle", bundle_->path(), c});
  if (exists("/sys/fs/cgroup/cgroup.controllers")) {
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text("/sys/fs/cgroup/ringfence/" + c + "/memory.high"), "536870912\n");
    EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
    return;
  }
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("resources.unified sets cgroup v2 files (memory.high...)"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c));
  EXPECT_TRUE(cgroups_of(c).empty());
  // update reads unified too, and refuses it here for the same reason.
  config["linux"]["resources"].erase("unified");
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  std::ofstream(out_->path() + "/unified.json") << R"({"unified": {"memory.high": "512M"}})";
  r = oci({"update", "--resources", out_->path() + "/unified.json", c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("resources.unified sets cgroup v2 files (memory.high...)"), std::string::npos) << r.err;
  std::ofstream(out_->path() + "/governed.json") << R"({"unified": {"pids.max": "5"}})";
  r = oci({"update", "--resources", out_->path() + "/governed.json", c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("governed.json:/unified/pids.max"), std::string::npos) << r.err;
  EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
}

TEST_F(OciRuntime, ExecRunsUnderTheContainersPolicy) {
  const std::string c = id("exec");
  write_config(base_config(out_->path(), "exec sleep 1000"));
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  ASSERT_EQ(oci({"start", c}).status, 0);
  auto r = oci({"exec", c, "/bin/sh", "-c", "cat /proc/self/status > /out/exec-status; hostname > /out/exec-host"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(out("exec-status").find("CapEff:\t00000000000004e1"), std::string::npos) << out("exec-status");
  EXPECT_NE(out("exec-status").find("Seccomp:\t2"), std::string::npos);
  EXPECT_EQ(out("exec-host"), "oci-test\n");
  // A process.json cannot widen the container's capabilities.
  std::ofstream(out_->path() + "/process.json")
      << json{{"args", {"/bin/true"}}, {"cwd", "/"}, {"capabilities", {{"bounding", {"CAP_SYS_ADMIN"}}}}}.dump();
  r = oci({"exec", "--process", out_->path() + "/process.json", c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("CAP_SYS_ADMIN"), std::string::npos) << r.err;
  EXPECT_EQ(oci({"delete", "--force", c}).status, 0);
}

TEST_F(OciRuntime, TerminalIsAPtyOfTheContainersDevptsSentToTheConsoleSocket) {
  const std::string c = id("tty");
  auto config = base_config(out_->path(), "tty > /out/tty; stty size > /out/size");
  config["process"]["terminal"] = true;
  config["process"]["consoleSize"] = {{"height", 33}, {"width", 101}};
  write_config(config);
  const std::string sock_path = out_->path() + "/console.sock";
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  sock_path.copy(addr.sun_path, sock_path.size());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  auto r = oci({"create", "--bundle", bundle_->path(), "--console-socket", sock_path, c});
  ASSERT_EQ(r.status, 0) << r.err;
  int conn = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(conn, 0);
  char data[64];
  iovec iov{data, sizeof data};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ASSERT_GT(recvmsg(conn, &msg, 0), 0);
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(cm, nullptr);
  ASSERT_EQ(cm->cmsg_type, SCM_RIGHTS);
  int master = -1;
  std::memcpy(&master, CMSG_DATA(cm), sizeof master);
  // The master is a pty multiplexer of the container's own devpts, not the host's.
  struct stat mine {}, host {};
  ASSERT_EQ(fstat(master, &mine), 0);
  ASSERT_EQ(stat("/dev/pts/ptmx", &host), 0);
  EXPECT_NE(mine.st_dev, host.st_dev) << "the pty must come from the container's own devpts instance";
  ASSERT_EQ(oci({"start", c}).status, 0);
  EXPECT_TRUE(eventually([&] { return !out("size").empty(); }));
  EXPECT_EQ(out("tty").rfind("/dev/pts/", 0), 0u) << out("tty");
  EXPECT_EQ(out("size"), "33 101\n");
  close(master);
  close(conn);
  close(listener);
  EXPECT_TRUE(eventually([&] { return state(c)["status"] == "stopped"; }));
  EXPECT_EQ(oci({"delete", c}).status, 0);
}

TEST_F(OciRuntime, HooksRunWithTheStateAndAFailingOneStopsTheCreate) {
  const std::string c = id("hooks");
  auto config = base_config(out_->path(), "true");
  const std::string hook_out = out_->path() + "/hook-state";
  config["hooks"]["createRuntime"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > " + hook_out}}}};
  config["hooks"]["poststop"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "touch " + out_->path() + "/poststop"}}}};
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  const auto hs = json::parse(read_text(hook_out));
  EXPECT_EQ(hs["id"], c);
  EXPECT_EQ(hs["status"], "created");
  EXPECT_GT(hs["pid"].get<int>(), 0);
  // The hooks are those config.json had at create: one written into it
  // afterwards is not run by a later verb.
  auto changed = config;
  changed["hooks"]["poststop"] = {
      {{"path", "/bin/sh"}, {"args", {"sh", "-c", "touch " + out_->path() + "/added-later"}}}};
  write_config(changed);
  ASSERT_EQ(oci({"delete", c}).status, 0);
  EXPECT_TRUE(exists(out_->path() + "/poststop"));
  EXPECT_FALSE(exists(out_->path() + "/added-later"));
  write_config(config);

  // A hook that outlives its timeout is killed, and nothing is left.
  const std::string c2 = id("hook-timeout");
  config["hooks"]["createRuntime"] = {{{"path", "/bin/sleep"}, {"args", {"sleep", "100"}}, {"timeout", 1}}};
  write_config(config);
  auto r = oci({"create", "--bundle", bundle_->path(), c2});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("timeout"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c2));
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c2));
}

TEST_F(OciRuntime, SysctlsAreWrittenInTheContainersNamespacesOnly) {
  const std::string c = id("sysctl");
  const std::string host_forward = read_text("/proc/sys/net/ipv4/ip_forward");
  const std::string host_shmmni = read_text("/proc/sys/kernel/shmmni");
  const std::string host_domain = read_text("/proc/sys/kernel/domainname");
  auto config = base_config(out_->path(), "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni "
                                          "/proc/sys/kernel/domainname > /out/sysctl");
  // The opposite of the host's, so that a value the container inherited
  // cannot pass for one that was written.
  const std::string forward = host_forward == "1\n" ? "0" : "1";
  config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", forward}, {"kernel.shmmni", "1234"}};
  config["domainname"] = "oci.example";
  write_config(config);
  auto r = oci({"run", "--bundle", bundle_->path(), c});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(out("sysctl"), forward + "\n1234\noci.example\n");
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/ip_forward"), host_forward) << "the host's own value is untouched";
  EXPECT_EQ(read_text("/proc/sys/kernel/shmmni"), host_shmmni);
  EXPECT_EQ(read_text("/proc/sys/kernel/domainname"), host_domain);

  // A key that is not namespaced, or whose namespace is the host's, would
  // change the host: refused before anything starts.
  const std::string c2 = id("sysctl-host");
  config["linux"]["sysctl"] = {{"kernel.pid_max", "40000"}};
  write_config(config);
  r = oci({"create", "--bundle", bundle_->path(), c2});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/linux/sysctl/kernel.pid_max"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not namespaced"), std::string::npos) << r.err;
  config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", forward}};
  config["linux"]["namespaces"] = {{{"type", "pid"}}, {{"type", "mount"}}};
  write_config(config);
  r = oci({"create", "--bundle", bundle_->path(), c2});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("own network namespace"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c2));
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/ip_forward"), host_forward);
}

TEST_F(OciRuntime, CgroupsPathIsWhereTheEngineAskedForIt) {
  const std::string c = id("cgpath");
  auto config = base_config(out_->path(), "exec sleep 1000");
  config["linux"]["cgroupsPath"] = "/ringfence-test-engine/" + c;
  write_config(config);
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  const int pid = state(c)["pid"].get<int>();
  EXPECT_NE(read_text(fmt::format("/proc/{}/cgroup", pid)).find("pids:/ringfence-test-engine/" + c), std::string::npos)
      << read_text(fmt::format("/proc/{}/cgroup", pid));
  EXPECT_EQ(oci({"delete", c}).status, 0);
  EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence-test-engine/" + c));
  rmdir("/sys/fs/cgroup/pids/ringfence-test-engine");
  for (const char* ctl : {"memory", "cpu,cpuacct", "devices", "freezer", "blkio", "cpuset", "net_cls,net_prio",
                          "perf_event", "hugetlb", "rdma", "misc"})
    rmdir(fmt::format("/sys/fs/cgroup/{}/ringfence-test-engine", ctl).c_str());

  // A systemd slice:prefix:name without --systemd-cgroup is refused, not misplaced.
  const std::string c2 = id("cgsystemd");
  config["linux"]["cgroupsPath"] = "system.slice:docker:" + c2;
  write_config(config);
  auto r = oci({"create", "--bundle", bundle_->path(), c2});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--systemd-cgroup"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(state_root() + "/" + c2));
}

TEST_F(OciRuntime, BadInputIsRefusedClearlyAndLeavesNothing) {
  const std::string c = id("bad");
  struct Case {
    std::string what;
    std::function<void()> prepare;
    std::vector<std::string> args;
    std::string message;
  };
  const std::string not_socket = out_->path() + "/plain-file";
  std::ofstream(not_socket) << "x";
  std::vector<Case> cases = {
      {"a missing bundle", [] {}, {"create", "--bundle", "/nonexistent-bundle", c}, "config.json"},
      {"not JSON", [&] { std::ofstream(bundle_->path() + "/config.json") << "{not json"; },
       {"create", "--bundle", bundle_->path(), c}, "config.json"},
      {"an id with a slash", [&] { write_config(base_config(out_->path(), "true")); },
       {"create", "--bundle", bundle_->path(), "a/b"}, "a/b"},
      {"a pid file in a missing directory", [&] { write_config(base_config(out_->path(), "true")); },
       {"create", "--bundle", bundle_->path(), "--pid-file", "/nonexistent-dir/pid", c}, "/nonexistent-dir"},
      {"a console socket that is not a socket",
       [&] {
         auto config = base_config(out_->path(), "true");
         config["process"]["terminal"] = true;
         write_config(config);
       },
       {"create", "--bundle", bundle_->path(), "--console-socket", not_socket, c}, "not a socket"},
      {"start of a container that does not exist", [] {}, {"start", c}, "does not exist"},
      {"a site policy that is not TOML", [&] { write_config(base_config(out_->path(), "true")); },
       {"--policy", not_socket, "create", "--bundle", bundle_->path(), c}, "the site policy cannot be used"},
      {"a site policy that does not exist", [&] { write_config(base_config(out_->path(), "true")); },
       {"--policy", "/nonexistent-dir/policy.toml", "create", "--bundle", bundle_->path(), c},
       "cannot read the site policy '/nonexistent-dir/policy.toml'"},
  };
  for (const auto& k : cases) {
    k.prepare();
    auto r = oci(k.args);
    EXPECT_EQ(r.status, 1) << k.what;
    EXPECT_NE(r.err.find(k.message), std::string::npos) << k.what << ": " << r.err;
    EXPECT_FALSE(exists(state_root() + "/" + c)) << k.what;
    EXPECT_FALSE(exists("/sys/fs/cgroup/pids/ringfence/" + c)) << k.what;
  }
  // A duplicate id.
  write_config(base_config(out_->path(), "exec sleep 1000"));
  ASSERT_EQ(oci({"create", "--bundle", bundle_->path(), c}).status, 0);
  auto r = oci({"create", "--bundle", bundle_->path(), c});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(state(c)["status"], "created") << "the first one is untouched";
  // A created container is deleted without --force (it never ran), as runc does.
  EXPECT_EQ(oci({"delete", c}).status, 0);
  EXPECT_FALSE(exists(state_root() + "/" + c));
}

TEST_F(OciRuntime, ErrorsGoToTheEnginesLogAsJsonLines) {
  const std::string log = out_->path() + "/log.json";
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 1);
    dup2(null, 2);
    execl(RINGFENCE_BINARY, "ringfence", "oci", "--root", state_root().c_str(), "--log", log.c_str(), "--log-format",
          "json", "start", "no-such-container", static_cast<char*>(nullptr));
    _exit(127);
  }
  EXPECT_EQ(wait_status(pid), 1);
  const auto line = json::parse(read_text(log));
  EXPECT_EQ(line["level"], "error");
  EXPECT_NE(line["msg"].get<std::string>().find("no-such-container"), std::string::npos);
  EXPECT_TRUE(line.contains("time"));
}

TEST_F(OciRuntime, FeaturesAndVersionAreWhatEnginesParse) {
  auto r = oci({"features"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto f = json::parse(r.out);
  EXPECT_EQ(f["ociVersionMin"], "1.0.0");
  EXPECT_NE(f["linux"]["namespaces"].dump().find("\"mount\""), std::string::npos);
  EXPECT_EQ(f["linux"]["cgroup"]["v1"], true);
  EXPECT_EQ(f["linux"]["apparmor"]["enabled"], false) << "this kernel has no AppArmor";
  r = oci({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("spec: 1.2.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("libseccomp: 2."), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ringfence::itest
