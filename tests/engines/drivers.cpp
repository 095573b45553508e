// The engines' command lines: podman and docker share one shape, ctr has its own.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include "drivers.h"

namespace ringfence::etest {
namespace {

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

// ---- podman and docker ------------------------------------------------------

DockerLike::DockerLike(std::string name, std::vector<std::string> base, std::vector<std::string> run_flags,
                       std::map<std::string, std::string> env)
    : name_(std::move(name)), base_(std::move(base)), run_flags_(std::move(run_flags)), env_(std::move(env)) {}

Output DockerLike::cli(const std::vector<std::string>& args, int timeout) {
  CommandOptions options;
  options.timeout_seconds = timeout;
  options.env = env_;
  return run_command(concat(base_, args), options);
}

Output DockerLike::run(const std::vector<std::string>& flags, const std::vector<std::string>& cmd) {
  auto args = concat(concat({"run", "--rm"}, run_flags_), flags);
  args.push_back(Engines::kImage);
  return cli(concat(args, cmd));
}

Output DockerLike::run_global(const std::vector<std::string>& global, const std::vector<std::string>& flags,
                              const std::vector<std::string>& cmd) {
  auto args = concat(concat(concat(global, {"run", "--rm"}), run_flags_), flags);
  args.push_back(Engines::kImage);
  return cli(concat(args, cmd));
}

std::vector<std::string> DockerLike::run_tty_argv(const std::string& id, const std::vector<std::string>& cmd) {
  // script(1) runs it through a shell: the environment goes on the command line.
  std::vector<std::string> args = {"env"};
  for (const auto& [k, v] : env_) args.push_back(k + "=" + v);
  args = concat(concat(concat(args, base_), {"run", "-it", "--rm", "--name", id}), run_flags_);
  args.push_back(Engines::kImage);
  return concat(args, cmd);
}

Output DockerLike::start(const std::string& id, const std::vector<std::string>& flags,
                         const std::vector<std::string>& cmd) {
  auto args = concat(concat({"run", "-d", "--name", id}, run_flags_), flags);
  args.push_back(Engines::kImage);
  return cli(concat(args, cmd));
}

Output DockerLike::exec(const std::string& id, const std::vector<std::string>& cmd) {
  return cli(concat({"exec", id}, cmd));
}

std::string DockerLike::inspect(const std::string& id, const std::string& format) {
  const Output r = cli({"inspect", "--format", format, id});
  return r.status == 0 ? trim(r.out) : "";
}

pid_t DockerLike::pid(const std::string& id) {
  const std::string p = inspect(id, "{{.State.Pid}}");
  return p.empty() ? 0 : static_cast<pid_t>(std::stol(p));
}

Output DockerLike::stop(const std::string& id) { return cli({"stop", "-t", "20", id}); }

Output DockerLike::kill(const std::string& id, const std::string& signal) {
  return cli({"kill", "--signal", signal, id});
}

int DockerLike::exit_code(const std::string& id) {
  const std::string c = inspect(id, "{{.State.ExitCode}}");
  return c.empty() ? -1 : std::stoi(c);
}

std::optional<bool> DockerLike::oom_killed(const std::string& id) {
  const std::string o = inspect(id, "{{.State.OOMKilled}}");
  if (o.empty()) return std::nullopt;
  return o == "true";
}

Output DockerLike::remove(const std::string& id) {
  return name_ == "podman" ? cli({"rm", "-f", "-t", "0", id}) : cli({"rm", "-f", id});
}

bool DockerLike::listed(const std::string& id) {
  const Output r = cli({"ps", "-a", "--format", "{{.Names}}"});
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line))
    if (trim(line) == id) return true;
  return false;
}

Output DockerLike::pause(const std::string& id) { return cli({"pause", id}); }
Output DockerLike::unpause(const std::string& id) { return cli({"unpause", id}); }

Output DockerLike::update_memory(const std::string& id, const std::string& limit) {
  // Docker refuses a memory limit above the swap limit it set at run time.
  if (name_ == "docker") return cli({"update", "--memory", limit, "--memory-swap", limit, id});
  return cli({"update", "--memory", limit, id});
}

Output DockerLike::update(const std::string& id, const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"update"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(id);
  return cli(args);
}

Output DockerLike::remove_all() {
  const Output ids = cli({"ps", "-aq"});
  std::vector<std::string> args = {"rm", "-f"};
  std::istringstream in(ids.out);
  std::string line;
  std::size_t before = args.size();
  while (std::getline(in, line))
    if (!trim(line).empty()) args.push_back(trim(line));
  if (args.size() == before) return {0, "", ""};
  return cli(args);
}

// ---- containerd's ctr -------------------------------------------------------

Ctr::Ctr(std::vector<std::string> base, std::vector<std::string> run_flags)
    : base_(std::move(base)), run_flags_(std::move(run_flags)) {}

Output Ctr::cli(const std::vector<std::string>& args, int timeout) {
  CommandOptions options;
  options.timeout_seconds = timeout;
  return run_command(concat(base_, args), options);
}

std::string Ctr::fresh_id() {
  static std::atomic<int> n{0};
  return "ringfence-run-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

Output Ctr::run(const std::vector<std::string>& flags, const std::vector<std::string>& cmd) {
  auto args = concat(concat({"run", "--rm"}, run_flags_), flags);
  args.push_back(Engines::kImage);
  args.push_back(fresh_id());
  return cli(concat(args, cmd));
}

std::vector<std::string> Ctr::run_tty_argv(const std::string& id, const std::vector<std::string>& cmd) {
  auto args = concat(concat(base_, {"run", "-t", "--rm"}), run_flags_);
  args.push_back(Engines::kImage);
  args.push_back(id);
  return concat(args, cmd);
}

Output Ctr::start(const std::string& id, const std::vector<std::string>& flags, const std::vector<std::string>& cmd) {
  auto args = concat(concat({"run", "-d", "--null-io"}, run_flags_), flags);
  args.push_back(Engines::kImage);
  args.push_back(id);
  return cli(concat(args, cmd));
}

Output Ctr::exec(const std::string& id, const std::vector<std::string>& cmd) {
  static std::atomic<int> n{0};
  return cli(concat({"task", "exec", "--exec-id", "exec-" + std::to_string(n++), id}, cmd));
}

// `ctr task ls`: TASK PID STATUS.
std::optional<std::pair<pid_t, std::string>> Ctr::task(const std::string& id) {
  const Output r = cli({"task", "ls"});
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, pid, status;
    fields >> name >> pid >> status;
    if (name == id) return std::make_pair(static_cast<pid_t>(std::stol(pid)), status);
  }
  return std::nullopt;
}

pid_t Ctr::pid(const std::string& id) {
  const auto t = task(id);
  return t && t->second != "STOPPED" ? t->first : 0;
}

bool Ctr::wait_stopped(const std::string& id, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto t = task(id);
    if (!t || t->second == "STOPPED") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Output Ctr::stop(const std::string& id) {
  Output r = cli({"task", "kill", "-s", "SIGTERM", id});
  if (r.status == 0 && !wait_stopped(id, 20)) r.status = 1, r.err += "task did not stop after SIGTERM\n";
  return r;
}

Output Ctr::kill(const std::string& id, const std::string& signal) {
  Output r = cli({"task", "kill", "-s", "SIG" + signal, id});
  if (r.status == 0 && (signal == "KILL" || signal == "TERM") && !wait_stopped(id, 20))
    r.status = 1, r.err += "task did not stop\n";
  return r;
}

// ctr keeps no exit code after the fact: deleting the task reports it
// ("task ID exit with non-zero exit code N"), so this deletes the task.
int Ctr::exit_code(const std::string& id) {
  const Output r = cli({"task", "rm", id});
  if (r.status != 0) return -1;
  const std::string marker = "non-zero exit code ";
  const auto at = r.err.find(marker);
  if (at == std::string::npos) return 0;
  return std::stoi(r.err.substr(at + marker.size()));
}

Output Ctr::remove(const std::string& id) {
  if (task(id)) {
    cli({"task", "kill", "-s", "SIGKILL", id});
    wait_stopped(id, 20);
    cli({"task", "rm", "-f", id});
  }
  return cli({"container", "rm", id});
}

bool Ctr::listed(const std::string& id) {
  const Output r = cli({"container", "ls", "-q"});
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line))
    if (trim(line) == id) return true;
  return false;
}

Output Ctr::pause(const std::string& id) { return cli({"task", "pause", id}); }
Output Ctr::unpause(const std::string& id) { return cli({"task", "resume", id}); }

Output Ctr::update(const std::string&, const std::vector<std::string>&) {
  return {1, "", "ctr has no update command\n"};
}

Output Ctr::update_memory(const std::string&, const std::string&) {
  return {1, "", "ctr has no update command\n"};
}

Output Ctr::remove_all() {
  const Output r = cli({"container", "ls", "-q"});
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line))
    if (!trim(line).empty()) remove(trim(line));
  return {0, "", ""};
}

}  // namespace ringfence::etest
