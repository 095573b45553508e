// End-to-end tests with real container engines (podman, dockerd, containerd's
// ctr), all pointed at one OCI runtime binary: RINGFENCE_OCI_RUNTIME, else the
// ringfence-oci next to the ringfence binary under test, else crun (runc where
// crun cannot run on this host's cgroups). The engines are started once per
// test binary, on private sockets and storage, and stopped at the end.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ringfence::etest {

struct Output {
  int status = -1;  // exit code, 128+signal, or -1 when it could not run
  std::string out, err;
  std::string all() const { return out + err; }
};

struct CommandOptions {
  int timeout_seconds = 120;
  std::map<std::string, std::string> env;  // added to the environment
};

// Runs argv (argv[0] a path or a name on PATH), stdin /dev/null, and waits.
Output run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// One engine, driven by its own command line. Container ids are names given
// by the test; every engine keeps them in its private storage.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  // Runs `cmd` in a new container until it exits and removes it.
  virtual Output run(const std::vector<std::string>& flags, const std::vector<std::string>& cmd) = 0;
  // The argv that runs `cmd` with a terminal attached (for script -qec).
  virtual std::vector<std::string> run_tty_argv(const std::string& id, const std::vector<std::string>& cmd) = 0;
  // Starts `cmd` detached in a container named `id`.
  virtual Output start(const std::string& id, const std::vector<std::string>& flags,
                       const std::vector<std::string>& cmd) = 0;
  virtual Output exec(const std::string& id, const std::vector<std::string>& cmd) = 0;
  virtual pid_t pid(const std::string& id) = 0;  // the container's init, as the host sees it; 0 if none
  virtual Output stop(const std::string& id) = 0;
  virtual Output kill(const std::string& id, const std::string& signal) = 0;
  // The exit code of a stopped container, from the engine; -1 if unknown.
  virtual int exit_code(const std::string& id) = 0;
  // Whether the engine says the container was killed for lack of memory.
  virtual std::optional<bool> oom_killed(const std::string& id) = 0;
  virtual Output remove(const std::string& id) = 0;  // forcibly, running or not
  virtual bool listed(const std::string& id) = 0;    // in the engine's list of containers
  virtual Output pause(const std::string& id) = 0;
  virtual Output unpause(const std::string& id) = 0;
  virtual Output update_memory(const std::string& id, const std::string& limit) = 0;
  // The engine's update with the table's flags for a check.
  virtual Output update(const std::string& id, const std::vector<std::string>& flags) = 0;
};

// The engine named `name`, or a reason it cannot run here (empty engine).
struct EngineSlot {
  std::unique_ptr<Engine> engine;
  std::string unavailable;
};

// The suite's set-up: the runtime, the busybox image in every engine, the
// daemons. Made once (the first test that asks) and torn down at exit.
class Engines {
 public:
  static Engines& get();
  const std::string& runtime() const { return runtime_; }
  // Why nothing can run (not root, say); empty when engines may run.
  const std::string& unavailable() const { return unavailable_; }
  EngineSlot& slot(const std::string& engine);
  const std::string& dir() const { return dir_; }  // a private scratch directory
  static constexpr const char* kImage = "localhost/busybox:latest";

  void set_up();
  void tear_down();

 private:
  std::string runtime_, unavailable_, dir_;
  std::map<std::string, EngineSlot> slots_;
  std::vector<pid_t> daemons_;
  bool set_up_ = false;
  bool blob_cache_existed_ = true;
};

// One row of the table of checks (engines_table.cpp): per engine, the flags
// that ask for the control, or the reason the engine cannot ask for it.
// In flags, {seccomp} stands for the path of the test's seccomp profile.
struct Applies {
  std::optional<std::vector<std::string>> flags;
  std::string why_not;
};
const Applies& applies(const std::string& check, const std::string& engine);
// The flags with their placeholders filled in: {seccomp} and
// {seccomp-notify} (profiles written for the test), {disk} (a_disk_node()).
std::vector<std::string> expand(std::vector<std::string> flags);
// A whole block device of this host (/dev/NAME of the first /sys/block
// entry that has a node), for the block I/O flags.
std::string a_disk_node();

// The engines each parameterised test runs on.
std::vector<std::string> engine_names();

// The fixture: skips (with the reason) when the engine cannot run here or the
// check does not apply to it; removes the containers a test named.
class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;
  Engine& engine() { return *engine_; }
  // The flags of `check` for this engine; false when it does not apply
  // (REQUIRE_CHECK skips the test then, with the table's reason).
  bool flags_for(const std::string& check, std::vector<std::string>& flags);
  // A container id unique to this test, removed after it.
  std::string id(const std::string& base);

 private:
  Engine* engine_ = nullptr;
  std::vector<std::string> ids_;
};

#define REQUIRE_CHECK(check, flags)                                                   \
  do {                                                                                \
    if (!flags_for(check, flags))                                                     \
      GTEST_SKIP() << check << " does not apply to " << GetParam() << ": "            \
                   << ::ringfence::etest::applies(check, GetParam()).why_not;         \
  } while (0)

// Helpers that read the real effect.
std::string status_field(const std::string& proc_status, const std::string& field);  // "CapEff" -> "000..."
std::string host_cgroup_file(pid_t pid, const std::string& controller, const std::string& file);
std::string read_file(const std::string& path);
std::string trim(std::string s);

}  // namespace ringfence::etest
