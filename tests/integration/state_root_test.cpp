// Where a rootless user's state and logs go, and why another user cannot
// plant them: the state root and the audit log's directory must belong to
// the caller and be closed to others; every file in them is opened without
// following a symlink; a sandbox's name is checked before it becomes a path.
//
// Two unprivileged users act here: a victim and an attacker, uids with no
// passwd entry (ringfence needs none), unique to this test process.
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/core.h>
#include <gmock/gmock.h>

#include "harness.h"

namespace ringfence::itest {
namespace {

using ::testing::HasSubstr;

std::string mode_of(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return "missing";
  return fmt::format("{:04o}", st.st_mode & 07777);
}

uid_t owner_of(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Polls a condition (the state of a process this test does not own) until
// it holds or the deadline passes.
template <typename F>
bool wait_until(F done, int seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

class PlantedState : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const std::string max = read_text("/proc/sys/user/max_user_namespaces");
    if (max.empty() || std::stol(max) == 0) GTEST_SKIP() << "this kernel allows no user namespaces";
    if (exists("/proc/sys/kernel/unprivileged_userns_clone") &&
        read_text("/proc/sys/kernel/unprivileged_userns_clone") == "0\n")
      GTEST_SKIP() << "this kernel does not let unprivileged users make user namespaces";
    ASSERT_FALSE(binary_for_other_users().empty()) << "cannot copy the ringfence binary";
    victim_ = 1500000 + static_cast<uid_t>(getpid() % 100000) * 2;
    attacker_ = victim_ + 1;
    ASSERT_EQ(getpwuid(victim_), nullptr) << "uid " << victim_ << " is someone's";
    ASSERT_EQ(getpwuid(attacker_), nullptr) << "uid " << attacker_ << " is someone's";
    fallback_ = fmt::format("/tmp/ringfence-{}", victim_);
    ASSERT_FALSE(exists(fallback_)) << fallback_ << " is left from an earlier run";
    home_.emplace("ringfence-victim-home");
    ASSERT_EQ(chown(home_->path().c_str(), victim_, victim_), 0);
    ASSERT_EQ(chmod(home_->path().c_str(), 0700), 0);
    bashrc_ = *home_ / ".bashrc";
    write_text(bashrc_, "original\n");
    ASSERT_EQ(chown(bashrc_.c_str(), victim_, victim_), 0);
  }

  void TearDown() override {
    std::error_code ec;
    if (!fallback_.empty()) std::filesystem::remove_all(fallback_, ec);
    home_.reset();
    SandboxTest::TearDown();
  }

  // ringfence as the victim, with neither XDG directory set and HOME in its
  // own private home (where its default audit log goes).
  Result as_victim(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                   const std::vector<std::string>& unset = {}) {
    RunOptions o;
    o.as_user = std::make_pair(victim_, static_cast<gid_t>(victim_));
    o.binary = binary_for_other_users();
    o.unset_env = {"XDG_RUNTIME_DIR", "XDG_STATE_HOME"};
    o.unset_env.insert(o.unset_env.end(), unset.begin(), unset.end());
    o.env = {{"HOME", home_->path()}};
    for (const auto& [k, v] : env) o.env[k] = v;
    for (const auto& k : unset) o.env.erase(k);
    return ringfence(args, o);
  }

  // The attacker's directory in /tmp: its own, open to everybody.
  void plant_directory(const std::string& path) {
    ASSERT_EQ(mkdir(path.c_str(), 0777), 0);
    ASSERT_EQ(chmod(path.c_str(), 0777), 0);
    ASSERT_EQ(chown(path.c_str(), attacker_, attacker_), 0);
  }

  // A symlink the attacker made.
  void plant_symlink(const std::string& target, const std::string& link) {
    ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
    ASSERT_EQ(lchown(link.c_str(), attacker_, attacker_), 0);
  }

  // The .bashrc once a detached sandbox that did start (the flaw) has
  // finished writing its output.
  std::string bashrc_after(const Result& r, const std::string& state_json) {
    if (r.status == 0)
      wait_until([&] { return read_text(state_json).find("\"stopped\"") != std::string::npos; });
    return read_text(bashrc_);
  }

  uid_t victim_ = 0, attacker_ = 0;
  std::string fallback_, bashrc_;
  std::optional<TempDir> home_;
};

// Attack 1 of the report: the attacker made /tmp/ringfence-VICTIM, and in it
// the victim's NAME.log as a link to the victim's ~/.bashrc.
TEST_F(PlantedState, AnotherUsersFallbackDirectoryIsRefused) {
  plant_directory(fallback_);
  plant_symlink(bashrc_, fallback_ + "/x.log");
  auto r = as_victim({"run", "--detach", "--name", "x", "--", "/bin/sh", "-c", "echo pwned"});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr(fallback_));
  EXPECT_THAT(r.err, HasSubstr(fmt::format("uid {}", attacker_)));
  EXPECT_THAT(r.err, HasSubstr("XDG_RUNTIME_DIR"));
  EXPECT_EQ(bashrc_after(r, fallback_ + "/x/state.json"), "original\n");
  EXPECT_FALSE(exists(fallback_ + "/x"));
}

// Attack 2: the victim's own directory, but opened to everybody, so that the
// attacker could plant the link.
TEST_F(PlantedState, AFallbackDirectoryOthersMayWriteIsRefused) {
  ASSERT_EQ(mkdir(fallback_.c_str(), 0700), 0);
  ASSERT_EQ(chown(fallback_.c_str(), victim_, victim_), 0);
  ASSERT_EQ(chmod(fallback_.c_str(), 0777), 0);
  plant_symlink(bashrc_, fallback_ + "/x.log");
  auto r = as_victim({"run", "--detach", "--name", "x", "--", "/bin/sh", "-c", "echo pwned"});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr(fallback_));
  EXPECT_THAT(r.err, HasSubstr("0777"));
  EXPECT_EQ(bashrc_after(r, fallback_ + "/x/state.json"), "original\n");
  EXPECT_FALSE(exists(fallback_ + "/x"));
}

// Attack 2, the leaf itself: /tmp/ringfence-VICTIM is the attacker's link
// to a directory of the victim's, which passes every check once followed.
TEST_F(PlantedState, AFallbackDirectoryThatIsASymlinkIsRefused) {
  const std::string target = *home_ / "sub";
  ASSERT_EQ(mkdir(target.c_str(), 0700), 0);
  ASSERT_EQ(chown(target.c_str(), victim_, victim_), 0);
  plant_symlink(target, fallback_);
  auto r = as_victim({"run", "--detach", "--name", "x", "--", "/bin/sh", "-c", "echo pwned"});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr(fallback_));
  EXPECT_THAT(r.err, HasSubstr("symlink"));
  if (r.status == 0) wait_until([&] { return read_text(target + "/x/state.json").find("\"stopped\"") != std::string::npos; });
  EXPECT_THAT(entries(target), ::testing::IsEmpty()) << "the state went through the link";
}

// Attack 2, the file: a private directory that still holds a link where the
// log goes (planted while it was open, or by a tool of the user's). The log
// is opened without following it.
TEST_F(PlantedState, ALinkWhereTheLogGoesIsNotFollowed) {
  ASSERT_EQ(mkdir(fallback_.c_str(), 0700), 0);
  ASSERT_EQ(chown(fallback_.c_str(), victim_, victim_), 0);
  plant_symlink(bashrc_, fallback_ + "/x.log");
  auto r = as_victim({"run", "--detach", "--name", "x", "--", "/bin/sh", "-c", "echo pwned"});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr("x.log"));
  EXPECT_EQ(bashrc_after(r, fallback_ + "/x/state.json"), "original\n");
  EXPECT_FALSE(exists(fallback_ + "/x"));
}

// The audit log's fallback (no XDG_STATE_HOME, no HOME) is in the same
// directory: an attacker's file there would receive the victim's records.
TEST_F(PlantedState, TheAuditLogFallbackInAnotherUsersDirectoryIsRefused) {
  TempDir runtime_dir("ringfence-victim-run");
  ASSERT_EQ(chown(runtime_dir.path().c_str(), victim_, victim_), 0);
  ASSERT_EQ(chmod(runtime_dir.path().c_str(), 0700), 0);
  plant_directory(fallback_);
  const std::string log = fallback_ + "/audit.jsonl";
  write_text(log, "");
  ASSERT_EQ(chown(log.c_str(), attacker_, attacker_), 0);
  ASSERT_EQ(chmod(log.c_str(), 0666), 0);
  auto r = as_victim({"run", "--", "/bin/true"}, {{"XDG_RUNTIME_DIR", runtime_dir.path()}}, {"HOME"});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_THAT(r.err, HasSubstr(fallback_));
  EXPECT_THAT(r.err, HasSubstr(fmt::format("uid {}", attacker_)));
  EXPECT_EQ(read_text(log), "") << "the victim's records went into the attacker's file";
}

// Attack 3: with a private XDG_RUNTIME_DIR the state goes there, made 0700,
// and nothing is made in /tmp.
TEST_F(PlantedState, StateGoesToAPrivateXdgRuntimeDir) {
  TempDir runtime_dir("ringfence-victim-run");
  ASSERT_EQ(chown(runtime_dir.path().c_str(), victim_, victim_), 0);
  ASSERT_EQ(chmod(runtime_dir.path().c_str(), 0700), 0);
  const std::map<std::string, std::string> env = {{"XDG_RUNTIME_DIR", runtime_dir.path()}};
  auto r = as_victim({"run", "--name", "x", "--", "/bin/true"}, env);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string root = runtime_dir / "ringfence";
  EXPECT_TRUE(exists(root + "/x/state.json"));
  EXPECT_EQ(mode_of(root), "0700");
  EXPECT_EQ(owner_of(root), victim_);
  EXPECT_FALSE(exists(fallback_));
  // The default audit log: in the victim's home, its directory private.
  const std::string log_dir = *home_ / ".local/state/ringfence";
  EXPECT_TRUE(exists(log_dir + "/audit.jsonl"));
  EXPECT_EQ(mode_of(log_dir), "0700");
  EXPECT_EQ(mode_of(log_dir + "/audit.jsonl"), "0600");
  auto list = as_victim({"list"}, env);
  EXPECT_THAT(list.out, HasSubstr("x "));
  EXPECT_EQ(as_victim({"delete", "x"}, env).status, 0);
  EXPECT_FALSE(exists(root + "/x"));
}

// Attack 3: an XDG_RUNTIME_DIR that is not the caller's own private
// directory (another user's, open to all, or relative) is not used: the
// state goes to the checked fallback, made 0700 by the victim.
TEST_F(PlantedState, AnXdgRuntimeDirThatIsNotPrivateIsNotUsed) {
  TempDir attackers("ringfence-attacker-run");
  plant_directory(attackers / "run");
  // Closed to the victim's writes, but the attacker's: it could open it later.
  plant_directory(attackers / "closed");
  ASSERT_EQ(chmod((attackers / "closed").c_str(), 0755), 0);
  for (const std::string& xdg : {attackers / "run", attackers / "closed", std::string("relative/run")}) {
    SCOPED_TRACE(xdg);
    const std::map<std::string, std::string> env = {{"XDG_RUNTIME_DIR", xdg}};
    auto r = as_victim({"run", "--name", "x", "--", "/bin/true"}, env);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(entries(attackers / "run"), ::testing::IsEmpty());
    EXPECT_THAT(entries(attackers / "closed"), ::testing::IsEmpty());
    EXPECT_TRUE(exists(fallback_ + "/x/state.json"));
    EXPECT_EQ(mode_of(fallback_), "0700");
    EXPECT_EQ(owner_of(fallback_), victim_);
    EXPECT_EQ(as_victim({"delete", "x"}, env).status, 0);
  }
}

// A fallback directory of the victim's own that others may enter but not
// write (what earlier versions made, 0711): nothing can have been planted,
// so it is used, and closed to others first.
TEST_F(PlantedState, TheCallersOwnFallbackIsClosedToOthers) {
  ASSERT_EQ(mkdir(fallback_.c_str(), 0711), 0);
  ASSERT_EQ(chmod(fallback_.c_str(), 0711), 0);
  ASSERT_EQ(chown(fallback_.c_str(), victim_, victim_), 0);
  auto r = as_victim({"run", "--name", "x", "--", "/bin/true"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(mode_of(fallback_), "0700");
  EXPECT_TRUE(exists(fallback_ + "/x/state.json"));
  EXPECT_EQ(as_victim({"delete", "x"}).status, 0);
}

class SandboxNames : public SandboxTest {};

// Attack 4: names that are not names. Refused before anything is made: no
// state, nothing beside the state root, no cgroup.
TEST_F(SandboxNames, NamesThatAreNotNamesAreRefusedBeforeTheyBecomePaths) {
  const std::string escape = fmt::format("t{}-escape", getpid());
  const std::string parent = std::filesystem::path(state_root()).parent_path().string();
  const std::vector<std::string> bad = {"../" + escape, "a/b", "", std::string(200, 'a'), ".hidden", "-x", "..", "x y"};
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove_all(parent + "/" + escape, ec);
    std::filesystem::remove(parent + "/" + escape + ".log", ec);
    for (const char* c : {"memory", "pids", "cpu", "devices"}) {
      rmdir(fmt::format("/sys/fs/cgroup/{}/{}", c, escape).c_str());
      rmdir(fmt::format("/sys/fs/cgroup/{}/ringfence/{}", c, std::string(200, 'a')).c_str());
      rmdir(fmt::format("/sys/fs/cgroup/{}/ringfence/.hidden", c).c_str());
      rmdir(fmt::format("/sys/fs/cgroup/{}/ringfence/-x", c).c_str());
      rmdir(fmt::format("/sys/fs/cgroup/{}/ringfence/x y", c).c_str());
    }
    rmdir(fmt::format("/sys/fs/cgroup/{}", escape).c_str());
  };
  for (const auto& name : bad) {
    SCOPED_TRACE("--name '" + name + "'");
    for (bool detach : {false, true}) {
      // "--name=-x": a value that starts with '-' is otherwise an option.
      std::vector<std::string> args = {"run"};
      if (name.starts_with("-"))
        args.push_back("--name=" + name);
      else
        args.insert(args.end(), {"--name", name});
      args.insert(args.end(), {"--pids-limit", "20"});
      if (detach) args.push_back("--detach");
      args.insert(args.end(), {"--", "/bin/true"});
      auto r = rf(args);
      EXPECT_EQ(r.status, 125) << r.err;
      EXPECT_THAT(r.err, HasSubstr("invalid sandbox name"));
      EXPECT_THAT(entries(state_root()), ::testing::Each(::testing::Eq("audit.jsonl")));
      EXPECT_FALSE(exists(parent + "/" + escape));
      EXPECT_FALSE(exists(parent + "/" + escape + ".log"));
      for (const char* c : {"memory", "pids", "cpu", "devices", ""}) {
        EXPECT_FALSE(exists(fmt::format("/sys/fs/cgroup/{}/{}", c, escape)));
        if (name.find('/') == std::string::npos && name != ".." && !name.empty()) {
          EXPECT_FALSE(exists(fmt::format("/sys/fs/cgroup/{}/ringfence/{}", c, name)));
        }
      }
      cleanup();
    }
  }
  // The verbs that name an existing sandbox: a usage error (2). ("-x" is
  // an option to them, not a name.)
  for (const auto& name : bad) {
    if (name == "-x") continue;
    SCOPED_TRACE("'" + name + "'");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"exec", name, "--", "/bin/true"}, {"kill", name}, {"delete", "--force", name},
          {"audit", "check", "--name", name, "--profile", "default"}}) {
      if (name.empty() && args[0] == "audit") continue;  // no name at all: audit check's own usage error
      auto r = rf(args);
      EXPECT_EQ(r.status, 2) << args[0] << ": " << r.err;
      EXPECT_THAT(r.err, HasSubstr("invalid sandbox name")) << args[0];
    }
  }
}

// delete removes files by the name it is given: "../OTHER" reached a
// directory beside the state root.
TEST_F(SandboxNames, DeleteDoesNotReachOutOfTheStateRoot) {
  TempDir other("ringfence-other");
  write_text(other / "state.json", R"({"id":"o","status":"stopped","pid":0,"ringfence":{}})");
  const std::string rel = "../" + std::filesystem::path(other.path()).filename().string();
  auto r = rf({"delete", "--force", rel});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("invalid sandbox name"));
  EXPECT_TRUE(exists(other / "state.json"));
}

}  // namespace
}  // namespace ringfence::itest
