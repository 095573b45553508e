#include "leaks.h"

#include <unistd.h>

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

}  // namespace ringfence::itest
