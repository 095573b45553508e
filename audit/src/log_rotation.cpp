#include "ringfence/audit/log_rotation.h"

#include "ringfence/audit/log_filter.h"

#include <dirent.h>

#include <algorithm>
#include <ctime>

namespace ringfence::audit {

std::vector<std::string> log_files(const std::string& log_path) {
  const auto slash = log_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : log_path.substr(0, slash));
  const std::string base = slash == std::string::npos ? log_path : log_path.substr(slash + 1);
  std::vector<std::pair<std::uint64_t, std::string>> rotated;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0 || name[base.size()] != '.')
        continue;
      const std::string suffix = name.substr(base.size() + 1);
      if (suffix.size() > 19 || !std::all_of(suffix.begin(), suffix.end(), [](char c) { return c >= '0' && c <= '9'; }))
        continue;
      rotated.emplace_back(std::stoull(suffix), (slash == std::string::npos ? "" : dir + "/") + name);
    }
    closedir(d);
  }
  std::sort(rotated.begin(), rotated.end());
  std::vector<std::string> files;
  for (auto& [first, name] : rotated) files.push_back(std::move(name));
  files.push_back(log_path);
  return files;
}

std::int64_t record_time_seconds(const std::string& time) {
  const auto at = parse_rfc3339(time);
  return at ? at->seconds : -1;
}

}  // namespace ringfence::audit
