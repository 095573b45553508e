// Sandbox state on disk (runtime/state.h): what is written is read back,
// names that could escape the root are refused everywhere, symlinks planted
// under the root are not followed, and `list` corrects the record with what
// is alive.
#include "ringfence/runtime/state.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

class State : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rf-state-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

SandboxState sample(const std::string& id) {
  SandboxState s;
  s.id = id;
  s.status = "running";
  s.pid = 4242;
  s.pid_start_time = 123456;
  s.supervisor_pid = 4241;
  s.supervisor_start_time = 123450;
  s.profile = "strict";
  s.profile_refs = {"strict", "/etc/app.toml"};
  s.rootfs = "/srv/rootfs";
  s.plan_sha256 = std::string(64, 'a');
  s.started = "2024-05-01T12:00:00.000Z";
  s.command = {"/bin/sh", "-c", "echo 'a b'"};
  s.exit_status = 3;
  s.detached = true;
  s.applied_steps = {"seccomp.load", "landlock.restrict"};
  s.skipped_steps = {"apparmor.exec-label"};
  s.audit_log = "/var/log/ringfence/audit.jsonl";
  return s;
}

TEST_F(State, WhatIsWrittenIsReadBack) {
  ASSERT_TRUE(create_state_dir(root_, "web").ok());
  const SandboxState s = sample("web");
  ASSERT_TRUE(write_state(root_, s).ok());
  auto r = read_state(root_, "web");
  ASSERT_TRUE(r.ok()) << r.status().message;
  EXPECT_EQ(r->id, "web");
  EXPECT_EQ(r->status, "running");
  EXPECT_EQ(r->pid, 4242);
  EXPECT_EQ(r->pid_start_time, 123456u);
  EXPECT_EQ(r->supervisor_pid, 4241);
  EXPECT_EQ(r->supervisor_start_time, 123450u);
  EXPECT_EQ(r->profile, "strict");
  EXPECT_EQ(r->profile_refs, s.profile_refs);
  EXPECT_EQ(r->rootfs, "/srv/rootfs");
  EXPECT_EQ(r->plan_sha256, s.plan_sha256);
  EXPECT_EQ(r->started, s.started);
  EXPECT_EQ(r->command, s.command);
  EXPECT_EQ(r->exit_status, 3);
  EXPECT_TRUE(r->detached);
  EXPECT_EQ(r->applied_steps, s.applied_steps);
  EXPECT_EQ(r->skipped_steps, s.skipped_steps);
  EXPECT_EQ(r->audit_log, s.audit_log);
  EXPECT_FALSE(r->oci);
}

// An OCI container's own fields (bundle, annotations, cgroup, monitor) are
// kept for it; a run's state reads as before, without them.
TEST_F(State, AnOciContainersFieldsAreKeptAndARunHasNone) {
  ASSERT_TRUE(create_state_dir(root_, "ctr").ok());
  SandboxState s = sample("ctr");
  s.oci = true;
  s.bundle = "/run/containerd/bundle";
  s.annotations = {{"io.kubernetes.pod.name", "web-0"}};
  s.cgroup_path = "/kubepods/pod1/ctr";
  s.monitor_pid = 4243;
  s.monitor_start_time = 123455;
  ASSERT_TRUE(write_state(root_, s).ok());
  auto r = read_state(root_, "ctr");
  ASSERT_TRUE(r.ok()) << r.status().message;
  EXPECT_TRUE(r->oci);
  EXPECT_EQ(r->bundle, s.bundle);
  EXPECT_EQ(r->annotations, s.annotations);
  EXPECT_EQ(r->cgroup_path, s.cgroup_path);
  EXPECT_EQ(r->monitor_pid, 4243);
  EXPECT_EQ(r->monitor_start_time, 123455u);

  s.oci = false;
  ASSERT_TRUE(write_state(root_, s).ok());
  r = read_state(root_, "ctr");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cgroup_path, "");
  EXPECT_EQ(r->monitor_pid, 0);
}

// state.json is replaced by a rename: no temporary file stays, and the file
// is its owner's alone.
TEST_F(State, TheFileIsReplacedWholeAndPrivate) {
  ASSERT_TRUE(create_state_dir(root_, "web").ok());
  SandboxState s = sample("web");
  ASSERT_TRUE(write_state(root_, s).ok());
  s.status = "stopped";
  ASSERT_TRUE(write_state(root_, s).ok());
  EXPECT_FALSE(std::filesystem::exists(state_dir(root_, "web") + "/state.json.tmp"));
  struct stat st {};
  ASSERT_EQ(stat((state_dir(root_, "web") + "/state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_state(root_, "web")->status, "stopped");
}

TEST_F(State, ANameIsTakenOnce) {
  ASSERT_TRUE(create_state_dir(root_, "web").ok());
  const Status again = create_state_dir(root_, "web");
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.err, EEXIST);
}

TEST_F(State, NamesFollowDockersRule) {
  for (const char* good : {"a", "web", "web-1_2.x", "0"}) EXPECT_TRUE(is_valid_name(good)) << good;
  EXPECT_TRUE(is_valid_name(std::string(kMaxNameLength, 'a')));
  for (const char* bad : {"", ".", "..", "-x", ".x", "_x", "a/b", "../x", "a b", "a\n"})
    EXPECT_FALSE(is_valid_name(bad)) << bad;
  EXPECT_FALSE(is_valid_name(std::string(kMaxNameLength + 1, 'a')));
}

// Every function refuses a name that could reach outside the root.
TEST_F(State, EveryFunctionRefusesABadName) {
  std::filesystem::create_directory(root_ + "/inside");
  const std::string up = "../" + std::filesystem::path(root_).filename().string() + "/inside";
  for (const std::string& bad : {std::string(".."), up, std::string("a/b")}) {
    EXPECT_EQ(create_state_dir(root_, bad).err, EINVAL) << bad;
    SandboxState s = sample(bad);
    EXPECT_EQ(write_state(root_, s).err, EINVAL) << bad;
    EXPECT_EQ(read_state(root_, bad).status().err, EINVAL) << bad;
    EXPECT_EQ(remove_state_dir(root_, bad).err, EINVAL) << bad;
    EXPECT_EQ(open_sandbox_log(root_, bad).status().err, EINVAL) << bad;
  }
  EXPECT_TRUE(std::filesystem::exists(root_ + "/inside"));
}

// A symlink planted under the root, in the place of a sandbox's directory
// or its log, is not followed.
TEST_F(State, PlantedSymlinksAreNotFollowed) {
  char tmpl[] = "/tmp/rf-elsewhere-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string elsewhere = tmpl;
  ASSERT_TRUE(create_state_dir(root_, "real").ok());
  ASSERT_TRUE(write_state(root_, sample("real")).ok());
  std::filesystem::copy_file(state_dir(root_, "real") + "/state.json", elsewhere + "/state.json");
  std::filesystem::create_directory_symlink(elsewhere, root_ + "/planted");
  EXPECT_FALSE(read_state(root_, "planted").ok()) << "a state.json reached through a symlink";
  std::filesystem::create_symlink(elsewhere + "/out.log", root_ + "/real.log");
  auto log = open_sandbox_log(root_, "real");
  EXPECT_FALSE(log.ok());
  EXPECT_EQ(log.status().err, ELOOP);
  EXPECT_FALSE(std::filesystem::exists(elsewhere + "/out.log"));
  std::filesystem::remove_all(elsewhere);
}

TEST_F(State, ListAndRemove) {
  for (const char* n : {"a", "b"}) {
    ASSERT_TRUE(create_state_dir(root_, n).ok());
    ASSERT_TRUE(write_state(root_, sample(n)).ok());
  }
  auto ids = list_ids(root_);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(open_sandbox_log(root_, "a").ok());
  ASSERT_TRUE(remove_state_dir(root_, "a").ok());
  EXPECT_FALSE(std::filesystem::exists(state_dir(root_, "a")));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/a.log")) << "the log goes with the sandbox";
  EXPECT_EQ(list_ids(root_), std::vector<std::string>{"b"});
  EXPECT_TRUE(remove_state_dir(root_, "never-there").ok()) << "removing what is gone is not an error";
  auto gone = read_state(root_, "a");
  EXPECT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().err, ENOENT);
  EXPECT_NE(gone.status().message.find("no sandbox named 'a'"), std::string::npos) << gone.status().message;
}

// A process that has exited and been reaped, for its pid and start time.
std::pair<pid_t, std::uint64_t> a_finished_process() {
  const pid_t p = fork();
  if (p == 0) {
    pause();
    _exit(0);
  }
  const std::uint64_t start = process_start_time(p);
  kill(p, SIGKILL);
  waitpid(p, nullptr, 0);
  return {p, start};
}

TEST_F(State, ListCorrectsTheRecordWithWhatIsAlive) {
  SandboxState s = sample("web");
  s.status = "running";
  s.oci = false;
  // Init and supervisor alive: this test process stands for both.
  s.pid = s.supervisor_pid = getpid();
  s.pid_start_time = s.supervisor_start_time = process_start_time(getpid());
  ASSERT_NE(s.pid_start_time, 0u);
  EXPECT_EQ(observe(s).status, "running");
  EXPECT_EQ(observe(s).note, "");

  const auto [dead, dead_start] = a_finished_process();
  ASSERT_NE(dead_start, 0u);
  EXPECT_FALSE(same_process(dead, dead_start));
  // The supervisor gone, the init alive.
  s.supervisor_pid = dead;
  s.supervisor_start_time = dead_start;
  EXPECT_EQ(observe(s).status, "running");
  EXPECT_EQ(observe(s).note, "supervisor gone");
  // Both gone: stopped, and nobody knows how.
  s.pid = dead;
  s.pid_start_time = dead_start;
  EXPECT_EQ(observe(s).status, "stopped");
  EXPECT_EQ(observe(s).note, "supervisor gone; exit status unknown");
  // A pid reused by another process is not the sandbox's.
  s.pid = getpid();
  s.pid_start_time = process_start_time(getpid()) + 1;
  EXPECT_EQ(observe(s).status, "stopped");
}

TEST_F(State, ASupervisorKilledDuringTheStartLeavesAStateThatSaysWhatRuns) {
  // Killed after the clone: the state names the child (Launch::start). Had
  // the child already become the program, it runs on and is shown so.
  SandboxState s = sample("starting");
  s.status = "creating";
  s.exit_status.reset();
  const auto [dead, dead_start] = a_finished_process();
  s.supervisor_pid = dead;
  s.supervisor_start_time = dead_start;
  s.pid = getpid();
  s.pid_start_time = process_start_time(getpid());
  EXPECT_EQ(observe(s).status, "running");
  EXPECT_EQ(observe(s).note, "supervisor gone during start-up");
  // The child died with its supervisor (or was never made: pid 0).
  s.pid = dead;
  s.pid_start_time = dead_start;
  EXPECT_EQ(observe(s).status, "stopped");
  EXPECT_EQ(observe(s).note, "start-up interrupted");
  s.pid = 0;
  s.pid_start_time = 0;
  EXPECT_EQ(observe(s).status, "stopped");
}

TEST_F(State, ADirectoryWithoutItsStateIsNotNoSandbox) {
  // A start killed between making the directory and writing state.json:
  // `delete` must not answer "no sandbox named" (ENOENT) and leave it.
  ASSERT_TRUE(create_state_dir(root_, "half").ok());
  auto half = read_state(root_, "half");
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().err, ENODATA) << half.status().message;
  EXPECT_NE(half.status().message.find("ringfence delete half"), std::string::npos) << half.status().message;
  EXPECT_EQ(read_state(root_, "never-there").status().err, ENOENT);
}

}  // namespace
}  // namespace ringfence::runtime
