// /proc/PID/mountinfo, parsed (proc_pid_mountinfo(5)).
#pragma once

#include <string>
#include <vector>

namespace ringfence::enforcer {

struct MountInfo {
  int id = 0, parent = 0;
  std::string dev;            // "major:minor" of the filesystem
  std::string root;           // the root of the mount within its filesystem
  std::string mount_point;    // unescaped
  std::string options;        // per-mount: "ro,nosuid,nodev,relatime"
  std::vector<std::string> optional;  // propagation: "shared:5", "master:3", "unbindable"
  std::string fstype;
  std::string source;
  std::string super_options;  // per-superblock

  bool has_option(const std::string& opt) const;
};

std::vector<MountInfo> read_mountinfo(const std::string& path);
std::vector<MountInfo> parse_mountinfo(const std::string& text);

}  // namespace ringfence::enforcer
