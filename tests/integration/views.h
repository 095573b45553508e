// Helpers for the tests that look at what a sandbox really shows: its
// /proc/self/mountinfo parsed, the mount visible at a path, a private copy of
// the test rootfs for tests that change it, and a tmpfs mounted on the host
// for the duration of a test.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"

namespace ringfence::itest {

// ---- text ------------------------------------------------------------------------------

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// "   0     100000      65536" -> "0 100000 65536"
inline std::string squeeze(const std::string& s) {
  std::istringstream in(s);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

inline std::set<std::string> words_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

inline std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& w : s) out += (out.empty() ? "" : ",") + w;
  return out;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// The part of `text` between the line "BEGIN name" and the line "END name":
// one sandbox run can print several things for the test to take apart.
inline std::string section(const std::string& text, const std::string& name) {
  const std::string begin = "BEGIN " + name + "\n", end = "END " + name + "\n";
  const auto b = text.find(begin);
  if (b == std::string::npos) return "";
  const auto e = text.find(end, b + begin.size());
  return text.substr(b + begin.size(), e == std::string::npos ? std::string::npos : e - b - begin.size());
}

// ---- mountinfo -------------------------------------------------------------------------

struct Mount {
  int id = 0, parent = 0;
  std::string root, point, options, fstype, source, super;
};

inline std::string unescape_mountinfo(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

inline std::vector<Mount> parse_mountinfo(const std::string& text) {
  std::vector<Mount> out;
  for (const auto& line : lines_of(text)) {
    std::istringstream in(line);
    Mount m;
    std::string devno, word;
    if (!(in >> m.id >> m.parent >> devno >> m.root >> m.point >> m.options)) continue;
    while (in >> word && word != "-") {
    }  // optional fields
    in >> m.fstype >> m.source >> m.super;
    m.root = unescape_mountinfo(m.root);
    m.point = unescape_mountinfo(m.point);
    out.push_back(m);
  }
  return out;
}

// The mount a process sees at `point`: of the mounts there, the one that no
// other mount at the same place is stacked on.
inline const Mount* visible_mount(const std::vector<Mount>& mounts, const std::string& point) {
  const Mount* top = nullptr;
  for (const auto& m : mounts) {
    if (m.point != point) continue;
    bool covered = false;
    for (const auto& other : mounts) covered = covered || (other.point == point && other.parent == m.id);
    if (!covered) top = &m;
  }
  return top;
}

// A mount's per-mount flags (ro/rw, nosuid, nodev, noexec), without the
// access-time ones, which the kernel adds on its own.
inline std::set<std::string> mount_flags(const Mount& m) {
  std::set<std::string> out;
  std::istringstream in(m.options);
  std::string f;
  while (std::getline(in, f, ','))
    if (f != "relatime" && f != "noatime" && f != "strictatime" && f != "nodiratime") out.insert(f);
  return out;
}

inline std::string fstype_at(const std::vector<Mount>& mounts, const std::string& point) {
  const Mount* m = visible_mount(mounts, point);
  return m ? m->fstype : "<no mount at " + point + ">";
}

inline std::set<std::string> flags_at(const std::vector<Mount>& mounts, const std::string& point) {
  const Mount* m = visible_mount(mounts, point);
  return m ? mount_flags(*m) : std::set<std::string>{"<no mount at " + point + ">"};
}

// ---- host-side fixtures ---------------------------------------------------------------

// A private copy of the test rootfs, for tests that create or change files
// in it (the shared one is used by every test).
class RootfsCopy {
 public:
  RootfsCopy() : dir_("ringfence-rootfs") {
    const std::string cmd = "cp -a '" + test_rootfs() + "' '" + path() + "'";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  bool ok() const { return ok_; }
  std::string path() const { return dir_ / "root"; }
  std::string operator/(const std::string& inside) const { return path() + inside; }

 private:
  TempDir dir_;
  bool ok_ = false;
};

// A tmpfs mounted on the host at `dir` until the end of the scope.
class HostTmpfs {
 public:
  explicit HostTmpfs(const std::string& dir) : dir_(dir) {
    mkdir(dir.c_str(), 0755);
    mounted_ = mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m,mode=0755") == 0;
  }
  ~HostTmpfs() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  HostTmpfs(const HostTmpfs&) = delete;
  HostTmpfs& operator=(const HostTmpfs&) = delete;
  bool ok() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

inline std::string host_link(const std::string& path) {
  char buf[256] = {};
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

}  // namespace ringfence::itest
