// A temporary directory tree for the setuid tests: files with exact modes,
// symlinks, hard links and mounts, all removed again by the destructor.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ringfence::testing {

class SuidTestTree {
 public:
  SuidTestTree() {
    char tmpl[] = "/tmp/ringfence-suid-test.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    base_ = tmpl;
    std::filesystem::create_directories(root());
    std::filesystem::create_directories(outside());
  }
  ~SuidTestTree() {
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
  SuidTestTree(const SuidTestTree&) = delete;
  SuidTestTree& operator=(const SuidTestTree&) = delete;

  std::string base() const { return base_; }
  std::string root() const { return base_ + "/root"; }        // the tree being hardened
  std::string outside() const { return base_ + "/outside"; }  // next to it, never to be touched
  std::string at(const std::string& rel) const { return root() + rel; }

  // A regular file with exactly `mode` (umask and chmod's rules aside).
  void file(const std::string& path, mode_t mode) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << "#!/bin/sh\n";
    if (chmod(path.c_str(), mode) != 0) throw std::runtime_error("chmod " + path);
  }
  void dir(const std::string& path, mode_t mode = 0755) {
    std::filesystem::create_directories(path);
    if (chmod(path.c_str(), mode) != 0) throw std::runtime_error("chmod " + path);
  }
  void symlink(const std::string& target, const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::filesystem::create_symlink(target, path);
  }
  // Mounts (a tmpfs, or a bind of `source`) at `path`; false when not allowed.
  bool mount_at(const std::string& path, const std::string& source = {}) {
    if (source.empty() || std::filesystem::is_directory(source)) std::filesystem::create_directories(path);
    const int rc = source.empty() ? ::mount("tmpfs", path.c_str(), "tmpfs", 0, "mode=0755")
                                  : ::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) return false;
    mounts_.push_back(path);
    return true;
  }

  static mode_t mode_of(const std::string& path) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) return static_cast<mode_t>(-1);
    return st.st_mode & 07777;
  }

 private:
  std::string base_;
  std::vector<std::string> mounts_;
};

}  // namespace ringfence::testing
