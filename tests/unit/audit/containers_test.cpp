// Finding containers: runtimes' state files parsed as runc and crun write
// them, directory layouts walked, /proc's pid-namespace inits, and the
// merge of the two views. The /proc tests run on a fake /proc tree.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>

#include "ringfence/audit/containers.h"

namespace ringfence::audit {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Trimmed from a state.json that runc 1.1 wrote on this machine.
constexpr const char* kRuncState =
    R"({"id":"t1","init_process_pid":6078,"init_process_start":64406,"created":"2026-12-04T19:25:24Z",)"
    R"("config":{"rootfs":"/tmp/scanb/rootfs","labels":["io.container.manager=libpod",)"
    R"("org.opencontainers.image.ref.name=busybox","bundle=/tmp/scanb"]},"rootless":false})";

constexpr const char* kCrunStatus = R"({
    "pid" : 139179,
    "process-start-time" : 263473330,
    "cgroup-path" : "/busybox1",
    "rootfs" : "rootfs",
    "systemd-cgroup" : false,
    "bundle" : "/srv/bundles/busybox1",
    "created" : "2021-08-29T14:34:52.000293421Z",
    "owner" : "root",
    "detached" : true
})";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ringfence-containers-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories(fs::path(path_ + "/" + rel).parent_path());
    std::ofstream(path_ + "/" + rel) << text;
  }

 private:
  std::string path_;
};

TEST(Containers, RuncStateGivesIdPidStartTimeRootfsAndAnnotations) {
  auto c = parse_runc_state(kRuncState, "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ref.id, "t1");
  EXPECT_EQ(c->ref.pid, 6078);
  EXPECT_EQ(c->start_time, 64406u);
  EXPECT_EQ(c->rootfs, "/tmp/scanb/rootfs");
  EXPECT_EQ(c->bundle, "/tmp/scanb");
  EXPECT_EQ(c->ref.annotations.count("bundle"), 0u) << "the bundle label is not an annotation";
  EXPECT_EQ(c->ref.engine, "podman") << "io.container.manager=libpod";
  EXPECT_EQ(c->ref.runtime, "runc");
  EXPECT_EQ(c->ref.image, "busybox");
}

TEST(Containers, NotAStateIsRefused) {
  EXPECT_FALSE(parse_runc_state("{}", ""));
  EXPECT_FALSE(parse_runc_state("not json", ""));
  EXPECT_FALSE(parse_runc_state(R"({"id":"x","init_process_pid":0})", ""));
  EXPECT_FALSE(parse_runc_state(R"([1,2])", ""));
  EXPECT_FALSE(parse_crun_status(R"({"bundle":"/b"})", "x", "", {}));
  EXPECT_FALSE(parse_crun_status(R"({"pid":-4})", "x", "", {}));
}

// A pid that does not fit a pid_t is no pid: cast, 4294967297 would be 1
// (the host's init) and 4294967296 + 6078 another process, judged as the
// container.
TEST(Containers, APidBeyondPidTIsRefusedNotTruncated) {
  EXPECT_FALSE(parse_runc_state(R"({"id":"x","init_process_pid":4294967297})", ""));
  EXPECT_FALSE(parse_runc_state(R"({"id":"x","init_process_pid":"4294967297"})", ""));
  EXPECT_FALSE(parse_crun_status(R"({"pid":4294973374})", "x", "", {}));
  EXPECT_FALSE(parse_ringfence_state(R"({"id":"x","pid":4294967297,"ringfence":{}})", ""));
  EXPECT_FALSE(parse_runc_state(R"({"id":"x","init_process_pid":2147483648})", ""));
  const auto c = parse_runc_state(R"({"id":"x","init_process_pid":2147483647})", "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ref.pid, 2147483647);
}

TEST(Containers, CrunStatusRootfsIsTakenFromTheBundle) {
  auto c = parse_crun_status(kCrunStatus, "busybox1", "", {{"io.kubernetes.cri.image-name", "nginx:1.25"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ref.pid, 139179);
  EXPECT_EQ(c->start_time, 263473330u);
  EXPECT_EQ(c->rootfs, "/srv/bundles/busybox1/rootfs");
  EXPECT_EQ(c->ref.engine, "kubernetes");
  EXPECT_EQ(c->ref.image, "nginx:1.25");
  EXPECT_EQ(c->ref.runtime, "crun");
}

TEST(Containers, EngineFromAnnotationsThenNamespaceThenRuntime) {
  EXPECT_EQ(engine_of({}, "", "runc"), "runc");
  EXPECT_EQ(engine_of({}, "moby", "runc"), "docker");
  EXPECT_EQ(engine_of({}, "k8s.io", "runc"), "kubernetes");
  EXPECT_EQ(engine_of({}, "default", "runc"), "containerd");
  EXPECT_EQ(engine_of({{"io.kubernetes.cri.container-type", "container"}}, "default", "runc"), "kubernetes");
  EXPECT_EQ(engine_of({{"io.container.manager", "libpod"}}, "moby", "crun"), "podman");
  EXPECT_EQ(engine_of({{"io.container.manager", "other"}}, "", "crun"), "crun");
  EXPECT_EQ(name_of({{"io.kubernetes.cri.container-name", "web"}, {"io.kubernetes.cri.sandbox-name", "shop"}}),
            "shop/web");
  EXPECT_EQ(name_of({{"nerdctl/name", "db"}}), "db");
  EXPECT_EQ(name_of({}), "");
}

TEST(Containers, StateDirectoriesFlatAndNamespacedAreWalked) {
  TempDir d;
  d.write("flat/t1/state.json", kRuncState);
  d.write("ns/moby/abc/state.json", std::string(kRuncState).replace(7, 2, "abc"));
  d.write("ns/k8s.io/def/state.json", std::string(kRuncState).replace(7, 2, "def"));
  d.write("ns/k8s.io/def/exec.fifo", "");
  d.write("ns/moby/broken/state.json", "{\"id\":");
  d.write("ns/moby/empty/other-file", "");
  std::vector<std::string> warnings;
  auto flat = read_state_dir({"runc", d.path() + "/flat", ""}, warnings);
  ASSERT_EQ(flat.size(), 1u);
  EXPECT_EQ(flat[0].ref.source, d.path() + "/flat/t1/state.json");
  EXPECT_TRUE(flat[0].started);

  auto ns = read_state_dir({"runc", d.path() + "/ns", ""}, warnings);
  ASSERT_EQ(ns.size(), 2u);
  std::map<std::string, const FoundContainer*> by_id;
  for (const auto& c : ns) by_id[c.ref.id] = &c;
  ASSERT_TRUE(by_id.count("abc") && by_id.count("def"));
  EXPECT_EQ(by_id["abc"]->ref.engine, "podman") << "the label decides before the namespace";
  EXPECT_TRUE(by_id["abc"]->started);
  EXPECT_FALSE(by_id["def"]->started) << "exec.fifo: created, not started";
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("broken/state.json: not a runc state file"));

  // A directory the caller names for an engine overrides what the labels say.
  auto forced = read_state_dir({"runc", d.path() + "/flat", "docker"}, warnings);
  ASSERT_EQ(forced.size(), 1u);
  EXPECT_EQ(forced[0].ref.engine, "docker");

  // crun: "status", and the config.json copy beside it holds the annotations.
  d.write("crun/c1/status", kCrunStatus);
  d.write("crun/c1/config.json", R"({"annotations":{"io.container.manager":"libpod"}})");
  auto crun = read_state_dir({"crun", d.path() + "/crun", ""}, warnings);
  ASSERT_EQ(crun.size(), 1u);
  EXPECT_EQ(crun[0].ref.id, "c1");
  EXPECT_EQ(crun[0].ref.engine, "podman");

  EXPECT_TRUE(read_state_dir({"runc", d.path() + "/missing", ""}, warnings).empty());
}

TEST(Containers, SymlinkedContainerDirectoriesAreNotFollowed) {
  TempDir d;
  d.write("elsewhere/t1/state.json", kRuncState);
  fs::create_directories(d.path() + "/root");
  fs::create_directory_symlink(d.path() + "/elsewhere/t1", d.path() + "/root/t1");
  std::vector<std::string> warnings;
  EXPECT_TRUE(read_state_dir({"runc", d.path() + "/root", ""}, warnings).empty());
}

// A fake /proc: PID/status with NSpid and PID/stat with a start time.
void fake_process(const TempDir& proc, int pid, const std::string& nspid, std::uint64_t start, char state = 'S') {
  proc.write(std::to_string(pid) + "/status", "Name:\tsleep\nNSpid:\t" + nspid + "\n");
  std::string stat = std::to_string(pid) + " (sleep) " + state;
  for (int field = 4; field < 22; ++field) stat += " 0";
  proc.write(std::to_string(pid) + "/stat", stat + " " + std::to_string(start) + " 0 0\n");
}

TEST(Containers, ProcShowsTheInitsOfPidNamespacesDirectlyBelow) {
  TempDir proc;
  fake_process(proc, 1, "1", 5);
  fake_process(proc, 100, "100 1", 50);      // a container's init
  fake_process(proc, 101, "101 2", 51);      // another process in it
  fake_process(proc, 102, "102 7 1", 52);    // a container inside that container
  fake_process(proc, 200, "200 1", 60);
  proc.write("self/status", "NSpid:\t1\n");
  proc.write("sys/x", "");
  auto inits = pid_namespace_inits(proc.path());
  std::set<pid_t> pids;
  for (const auto& c : inits) {
    pids.insert(c.ref.pid);
    EXPECT_EQ(c.ref.engine, "unknown");
    EXPECT_EQ(c.ref.source, "/proc");
  }
  EXPECT_EQ(pids, (std::set<pid_t>{100, 200}));
}

TEST(Containers, RunningMeansAliveAndStartedWhenTheStateSays) {
  TempDir proc;
  fake_process(proc, 100, "100 1", 50);
  fake_process(proc, 101, "101 1", 99);
  fake_process(proc, 102, "102 1", 70, 'Z');
  std::vector<FoundContainer> found(4);
  found[0].ref.pid = 100, found[0].start_time = 50;   // the same process
  found[1].ref.pid = 101, found[1].start_time = 51;   // the pid was reused
  found[2].ref.pid = 102, found[2].start_time = 70;   // a zombie: it has exited
  found[3].ref.pid = 103;                              // gone
  check_running(found, proc.path());
  EXPECT_TRUE(found[0].running);
  EXPECT_FALSE(found[1].running);
  EXPECT_THAT(found[1].note, HasSubstr("another process"));
  EXPECT_FALSE(found[2].running);
  EXPECT_THAT(found[2].note, HasSubstr("it has exited"));
  EXPECT_FALSE(found[3].running);
  EXPECT_THAT(found[3].note, HasSubstr("it has exited"));
}

TEST(Containers, MergeKeepsTheFirstStateForAPidAndAddsProcOnlyInits) {
  auto make = [](const char* id, pid_t pid, const char* engine, bool running) {
    FoundContainer c;
    c.ref.id = id, c.ref.pid = pid, c.ref.engine = engine, c.running = running;
    return c;
  };
  auto merged = merge_containers(
      {make("web", 100, "ringfence", true), make("dup", 100, "runc", true), make("old", 200, "runc", false)},
      {make("pid-100", 100, "unknown", true), make("pid-200", 200, "unknown", true),
       make("pid-300", 300, "unknown", true)});
  std::vector<std::string> ids;
  for (const auto& c : merged) ids.push_back(c.ref.id);
  // A stopped state's pid claims nothing: pid 200 is another process now.
  EXPECT_EQ(ids, (std::vector<std::string>{"web", "old", "pid-200", "pid-300"}));
}

}  // namespace
}  // namespace ringfence::audit

namespace ringfence::audit {
namespace {

// ringfence-oci run by containerd's shim or dockerd, which give it their
// runc directory: its own state.json is found there, as ringfence's.
TEST(Containers, RingfenceStateInAnEnginesRuncDirectory) {
  TempDir d;
  const std::string state =
      R"({"ociVersion":"1.0.2","id":"web","status":"running","pid":4242,"bundle":"/b",)"
      R"("annotations":{"io.kubernetes.cri.image-name":"nginx"},"ringfence":{"pid_start_time":77,"rootfs":"/b/rootfs","oci":true}})";
  d.write("k8s.io/web/state.json", state);
  std::string created = state;
  created.replace(created.find("running"), 7, "created").replace(created.find("\"web\""), 5, "\"made\"");
  d.write("moby/made/state.json", created);
  std::vector<std::string> warnings;
  auto found = read_state_dir({"runc", d.path(), ""}, warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  ASSERT_EQ(found.size(), 2u);
  std::map<std::string, const FoundContainer*> by_id;
  for (const auto& c : found) by_id[c.ref.id] = &c;
  ASSERT_TRUE(by_id.count("web") && by_id.count("made"));
  EXPECT_EQ(by_id["web"]->ref.runtime, "ringfence");
  EXPECT_EQ(by_id["web"]->ref.engine, "kubernetes");
  EXPECT_EQ(by_id["web"]->ref.pid, 4242);
  EXPECT_EQ(by_id["web"]->start_time, 77u);
  EXPECT_EQ(by_id["web"]->ref.image, "nginx");
  EXPECT_TRUE(by_id["web"]->started);
  EXPECT_FALSE(by_id["made"]->started) << "status created";
}

// ringfence's own state root: flat, its log files beside the sandboxes.
TEST(Containers, RingfencesOwnStateRootIsReadAsItsRuntimeWritesIt) {
  TempDir d;
  d.write("web/state.json", R"({"id":"web","status":"running","pid":77,"bundle":"",)"
                            R"("annotations":{},"ringfence":{"pid_start_time":5,"rootfs":"/srv/r"}})");
  d.write("audit.jsonl", "{}\n");
  d.write("runc-like/state.json", kRuncState);  // not ringfence's: refused, said
  std::vector<std::string> warnings;
  auto found = read_state_dir({"ringfence", d.path(), ""}, warnings);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].ref.id, "web");
  EXPECT_EQ(found[0].ref.engine, "ringfence");
  EXPECT_EQ(found[0].ref.runtime, "ringfence");
  EXPECT_EQ(found[0].rootfs, "/srv/r");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("runc-like/state.json"));
}

}  // namespace
}  // namespace ringfence::audit
