#include "leaks.h"

#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ringfence::itest {

std::set<std::string> sandboxes_in_audit_log(const std::string& log) {
  std::set<std::string> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_object() && record.contains("sandbox") && record["sandbox"].is_string())
      out.insert(record["sandbox"].get<std::string>());
  }
  return out;
}

std::set<std::string> state_dirs(const std::string& state_root) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(state_root, ec))
    if (e.is_directory(ec)) out.insert(e.path().filename().string());
  return out;
}

std::vector<std::string> cgroups_of(const std::string& name) {
  std::vector<std::string> out;
  std::error_code ec;
  auto check = [&](const std::filesystem::path& dir) {
    if (std::filesystem::exists(dir, ec)) out.push_back(dir.string());
  };
  check(std::filesystem::path("/sys/fs/cgroup/ringfence") / name);  // cgroup v2 only
  for (const auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec))
    if (h.is_directory(ec)) check(h.path() / "ringfence" / name);  // each v1 hierarchy, and unified
  return out;
}

void remove_cgroup_tree(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_directory(ec)) remove_cgroup_tree(e.path().string());
  rmdir(dir.c_str());
}

std::vector<std::string> mounts_of(const std::string& dir, const std::set<std::string>& names) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    bool ours = point == dir || point.rfind(dir + "/", 0) == 0;
    for (const auto& n : names)
      if (point.find("/" + n + "/") != std::string::npos ||
          (point.size() > n.size() && point.compare(point.size() - n.size() - 1, std::string::npos, "/" + n) == 0))
        ours = true;
    if (ours) out.push_back(point);
  }
  return out;
}

std::set<std::string> open_fds() {
  std::set<std::string> out;
  std::error_code ec;
  // Read into a list first: the directory iterator holds a descriptor of its own.
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) entries.push_back(e.path());
  for (const auto& path : entries) {
    const auto target = std::filesystem::read_symlink(path, ec);
    if (!ec) out.insert(path.filename().string() + " -> " + target.string());
  }
  return out;
}

namespace {

// The numeric entries of /proc.
std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string n = e.path().filename().string();
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos) out.push_back(std::atoi(n.c_str()));
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> out;
  for (pid_t pid : all_pids()) {
    if (pid == getpid()) continue;
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(text) != std::string::npos) out.push_back(pid);
  }
  return out;
}

std::vector<pid_t> zombie_children() {
  std::vector<pid_t> out;
  for (pid_t pid : all_pids()) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (state == "Z" && ppid == getpid()) out.push_back(pid);
  }
  return out;
}

std::vector<std::string> id_blocks_under(const std::string& state_root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/ringfence-ids", ec)) {
    const std::string owner = read_file(e.path().string());
    if (owner.rfind(state_root + "/", 0) == 0) out.push_back(e.path().filename().string() + " for " + owner);
  }
  return out;
}

}  // namespace ringfence::itest
