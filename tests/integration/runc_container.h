// A container runc (or crun, by the same command line) starts from the
// test rootfs, in a state root of the test's own, deleted (with its cgroup)
// when the object goes. For the tests that judge containers another runtime
// started. (crun refuses a hybrid cgroup layout whose v2 tree holds a
// controller, as this machine's holds hugetlb: a test that starts crun
// there takes hugetlb into a v1 hierarchy first, HugetlbHierarchy.)
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace ringfence::itest {

inline bool runc_installed() { return std::system("command -v runc > /dev/null 2>&1") == 0; }

class RuncContainer {
  static inline const nlohmann::json kCaps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

 public:
  struct Options {
    bool no_new_privileges = true;
    std::map<std::string, std::string> annotations;
    std::string runtime = "runc";
  };

  // Starts `id` (detached, running sleep) under state root `root`, its
  // bundle in `work`. started() says whether it runs; log() why not.
  RuncContainer(const std::string& work, const std::string& root, const std::string& id, const Options& options)
      : work_(work), root_(root), id_(id), runtime_(options.runtime) {
    const std::string bundle = work + "/bundle-" + id;
    std::filesystem::create_directories(bundle);
    nlohmann::json config = {
        {"ociVersion", "1.0.2"},
        {"root", {{"path", test_rootfs()}, {"readonly", true}}},
        {"process",
         {{"terminal", false},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", {"/bin/sleep", "600"}},
          {"env", {"PATH=/bin:/usr/bin"}},
          {"cwd", "/"},
          {"noNewPrivileges", options.no_new_privileges},
          // `runc spec`'s three: with no capabilities at all, `runc exec
          // --cap` dereferences a null set and crashes (runc 1.1).
          {"capabilities",
           {{"bounding", kCaps}, {"effective", kCaps}, {"permitted", kCaps}}}}},
        // /dev on a tmpfs, as `runc spec` has it: without it runc makes its
        // /dev/ptmx link in the test rootfs itself, shared by every test,
        // and two containers started at once race there (EEXIST).
        {"mounts",
         {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
          {{"destination", "/dev"},
           {"type", "tmpfs"},
           {"source", "tmpfs"},
           {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}}}},
        {"linux",
         {{"namespaces",
           {{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "network"}}}},
          // One level: runc removes the leaf it made, and nothing is left.
          {"cgroupsPath", "/" + id}}}};
    if (!options.annotations.empty()) config["annotations"] = options.annotations;
    std::ofstream(bundle + "/config.json") << config.dump();
    const std::string pid_file = work + "/pid-" + id;
    started_ = std::system((runc() + fmt::format("run --detach --bundle {} --pid-file {} {} < /dev/null > {} 2>&1",
                                                 bundle, pid_file, id, log_file()))
                               .c_str()) == 0;
    if (started_) pid_ = std::stoi(read_text(pid_file));
  }
  ~RuncContainer() { (void)!std::system((runc() + "delete --force " + id_ + " > /dev/null 2>&1").c_str()); }
  RuncContainer(const RuncContainer&) = delete;
  RuncContainer& operator=(const RuncContainer&) = delete;

  // `runc exec --detach [FLAGS] ID ARGS`: a second process in the
  // container, as `docker exec -d` starts one; true when runc started it.
  bool exec_detached(const std::string& flags, const std::string& args) const {
    return std::system((runc() + fmt::format("exec --detach {} {} {} < /dev/null >> {} 2>&1", flags, id_, args,
                                             log_file()))
                           .c_str()) == 0;
  }

  bool started() const { return started_; }
  std::string log() const { return read_text(log_file()); }
  pid_t pid() const { return pid_; }
  const std::string& id() const { return id_; }

 private:
  std::string runc() const { return fmt::format("{} --root {} ", runtime_, root_); }
  std::string log_file() const { return work_ + "/" + runtime_ + "-" + id_ + ".log"; }

  std::string work_, root_, id_, runtime_;
  bool started_ = false;
  pid_t pid_ = 0;
};

}  // namespace ringfence::itest
