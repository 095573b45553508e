// The engines' command lines behind the Engine interface.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engines.h"

namespace ringfence::etest {

class DriverEngine : public Engine {
 public:
  // Removes every container of this engine's private storage (tear-down).
  virtual Output remove_all() = 0;
};

// podman and docker: one command line. `base` is the client and its global
// flags; `run_flags` are added to every run (the runtime, no network).
class DockerLike : public DriverEngine {
 public:
  DockerLike(std::string name, std::vector<std::string> base, std::vector<std::string> run_flags,
             std::map<std::string, std::string> env = {});
  std::string name() const override { return name_; }
  Output run(const std::vector<std::string>& flags, const std::vector<std::string>& cmd) override;
  std::vector<std::string> run_tty_argv(const std::string& id, const std::vector<std::string>& cmd) override;
  Output start(const std::string& id, const std::vector<std::string>& flags,
               const std::vector<std::string>& cmd) override;
  Output exec(const std::string& id, const std::vector<std::string>& cmd) override;
  pid_t pid(const std::string& id) override;
  Output stop(const std::string& id) override;
  Output kill(const std::string& id, const std::string& signal) override;
  int exit_code(const std::string& id) override;
  std::optional<bool> oom_killed(const std::string& id) override;
  Output remove(const std::string& id) override;
  bool listed(const std::string& id) override;
  Output pause(const std::string& id) override;
  Output unpause(const std::string& id) override;
  Output update_memory(const std::string& id, const std::string& limit) override;
  Output update(const std::string& id, const std::vector<std::string>& flags) override;
  Output remove_all() override;
  Output cli(const std::vector<std::string>& args, int timeout = 120);
  // run, with `global` options of the engine before the verb (podman's
  // --runtime-flag, which it passes to every call of the runtime).
  Output run_global(const std::vector<std::string>& global, const std::vector<std::string>& flags,
                    const std::vector<std::string>& cmd);

 private:
  std::string inspect(const std::string& id, const std::string& format);
  std::string name_;
  std::vector<std::string> base_, run_flags_;
  std::map<std::string, std::string> env_;
};

// containerd through ctr, in its own namespace.
class Ctr : public DriverEngine {
 public:
  Ctr(std::vector<std::string> base, std::vector<std::string> run_flags);
  std::string name() const override { return "ctr"; }
  Output run(const std::vector<std::string>& flags, const std::vector<std::string>& cmd) override;
  std::vector<std::string> run_tty_argv(const std::string& id, const std::vector<std::string>& cmd) override;
  Output start(const std::string& id, const std::vector<std::string>& flags,
               const std::vector<std::string>& cmd) override;
  Output exec(const std::string& id, const std::vector<std::string>& cmd) override;
  pid_t pid(const std::string& id) override;
  Output stop(const std::string& id) override;
  Output kill(const std::string& id, const std::string& signal) override;
  int exit_code(const std::string& id) override;
  std::optional<bool> oom_killed(const std::string&) override { return std::nullopt; }
  Output remove(const std::string& id) override;
  bool listed(const std::string& id) override;
  Output pause(const std::string& id) override;
  Output unpause(const std::string& id) override;
  Output update_memory(const std::string& id, const std::string& limit) override;
  Output update(const std::string& id, const std::vector<std::string>& flags) override;
  Output remove_all() override;
  Output cli(const std::vector<std::string>& args, int timeout = 120);

 private:
  std::optional<std::pair<pid_t, std::string>> task(const std::string& id);
  bool wait_stopped(const std::string& id, int seconds);
  static std::string fresh_id();
  std::vector<std::string> base_, run_flags_;
};

}  // namespace ringfence::etest
