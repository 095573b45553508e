#include "ringfence/enforcer/cgroup.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "file_io.h"
#include "ringfence/enforcer/mountinfo.h"

namespace ringfence::enforcer {
namespace {

// The v1 controllers a sandbox gets a directory in.
const std::vector<std::string>& v1_controllers() {
  static const std::vector<std::string> c = {"memory", "cpu", "cpuset", "pids", "devices", "freezer"};
  return c;
}

bool lists(const std::string& controllers, const std::string& one) {
  std::stringstream in(controllers);
  std::string c;
  while (std::getline(in, c, ','))
    if (c == one) return true;
  return false;
}

Status make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Status::from_errno("mkdir " + path);
  return {};
}

// cpuset's children start empty: copy the parent's CPUs and memory nodes.
Status init_cpuset(const std::string& dir) {
  const std::string parent = dir.substr(0, dir.rfind('/'));
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    std::string value;
    if (Status st = read_file(parent + "/" + file, value); !st) return st;
    while (!value.empty() && value.back() == '\n') value.pop_back();
    if (Status st = write_file(dir + "/" + file, value); !st) return st;
  }
  return {};
}

Status write_v1_limits(const Cgroup& cg, const policy::CgroupParams& l) {
  const std::string mem = cg.dir_for("memory");
  if (l.memory && !mem.empty()) {
    if (Status st = write_file(mem + "/memory.limit_in_bytes", std::to_string(*l.memory)); !st) return st;
    // memory+swap: Docker's default is as much swap as memory.
    std::int64_t memsw = l.memory_swap ? *l.memory_swap : (*l.memory > 0 ? 2 * *l.memory : -1);
    if (access((mem + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0)
      if (Status st = write_file(mem + "/memory.memsw.limit_in_bytes", std::to_string(memsw)); !st) return st;
  }
  if (l.memory_reservation && !mem.empty())
    if (Status st = write_file(mem + "/memory.soft_limit_in_bytes", std::to_string(*l.memory_reservation)); !st)
      return st;
  const std::string cpu = cg.dir_for("cpu");
  if (l.cpu_period_us && !cpu.empty())
    if (Status st = write_file(cpu + "/cpu.cfs_period_us", std::to_string(*l.cpu_period_us)); !st) return st;
  if (l.cpu_quota_us && !cpu.empty())
    if (Status st = write_file(cpu + "/cpu.cfs_quota_us", std::to_string(*l.cpu_quota_us)); !st) return st;
  if (l.cpu_shares && !cpu.empty())
    if (Status st = write_file(cpu + "/cpu.shares", std::to_string(*l.cpu_shares)); !st) return st;
  const std::string cpuset = cg.dir_for("cpuset");
  if (l.cpuset_cpus && !cpuset.empty())
    if (Status st = write_file(cpuset + "/cpuset.cpus", *l.cpuset_cpus); !st) return st;
  if (l.cpuset_mems && !cpuset.empty())
    if (Status st = write_file(cpuset + "/cpuset.mems", *l.cpuset_mems); !st) return st;
  const std::string pids = cg.dir_for("pids");
  if (l.pids_limit && !pids.empty())
    if (Status st = write_file(pids + "/pids.max", *l.pids_limit < 0 ? "max" : std::to_string(*l.pids_limit)); !st)
      return st;
  // A limit asked for but with no controller to hold it is a failure, not a
  // silent downgrade.
  if ((l.memory || l.memory_reservation) && mem.empty()) return Status::failure("no memory cgroup controller", ENOENT);
  if ((l.cpu_quota_us || l.cpu_shares) && cpu.empty()) return Status::failure("no cpu cgroup controller", ENOENT);
  if (l.pids_limit && pids.empty()) return Status::failure("no pids cgroup controller", ENOENT);
  if ((l.cpuset_cpus || l.cpuset_mems) && cpuset.empty()) return Status::failure("no cpuset cgroup controller", ENOENT);
  return {};
}

Status write_v2_limits(const Cgroup& cg, const policy::CgroupParams& l) {
  const std::string d = cg.dirs.front().second;
  auto limit = [](std::int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
  if (l.memory)
    if (Status st = write_file(d + "/memory.max", limit(*l.memory)); !st) return st;
  if (l.memory && l.memory_swap) {
    // v2 limits swap alone; Docker's value is memory plus swap.
    const std::string swap = *l.memory_swap < 0 ? "max" : std::to_string(std::max<std::int64_t>(0, *l.memory_swap - *l.memory));
    if (Status st = write_file(d + "/memory.swap.max", swap); !st) return st;
  }
  if (l.memory_reservation)
    if (Status st = write_file(d + "/memory.low", std::to_string(*l.memory_reservation)); !st) return st;
  if (l.cpu_quota_us)
    if (Status st = write_file(d + "/cpu.max", fmt::format("{} {}", *l.cpu_quota_us, l.cpu_period_us.value_or(100000)));
        !st)
      return st;
  if (l.cpu_shares) {
    // The conversion runc and crun use from shares (2..262144) to weight (1..10000).
    const std::int64_t weight = 1 + ((*l.cpu_shares - 2) * 9999) / 262142;
    if (Status st = write_file(d + "/cpu.weight", std::to_string(weight)); !st) return st;
  }
  if (l.cpuset_cpus)
    if (Status st = write_file(d + "/cpuset.cpus", *l.cpuset_cpus); !st) return st;
  if (l.cpuset_mems)
    if (Status st = write_file(d + "/cpuset.mems", *l.cpuset_mems); !st) return st;
  if (l.pids_limit)
    if (Status st = write_file(d + "/pids.max", limit(*l.pids_limit)); !st) return st;
  return {};
}

}  // namespace

std::string Cgroup::dir_for(const std::string& controller) const {
  for (const auto& [controllers, dir] : dirs)
    if (controllers.empty() || lists(controllers, controller)) return dir;
  return "";
}

CgroupLayout detect_cgroup_layout() {
  CgroupLayout layout;
  for (const auto& m : read_mountinfo("/proc/self/mountinfo")) {
    if (m.fstype == "cgroup2") {
      if (m.mount_point == "/sys/fs/cgroup") layout.v2_mount = m.mount_point;
    } else if (m.fstype == "cgroup") {
      for (const auto& c : v1_controllers())
        if (lists(m.super_options, c)) {
          // The controller list as the directory is named: "cpu,cpuacct".
          std::string controllers;
          std::stringstream in(m.super_options);
          std::string opt;
          while (std::getline(in, opt, ','))
            if (opt != "rw" && opt != "ro" && opt.find('=') == std::string::npos)
              controllers += (controllers.empty() ? "" : ",") + opt;
          layout.v1_mounts.emplace_back(controllers, m.mount_point);
          break;
        }
    }
  }
  layout.version = !layout.v2_mount.empty() ? 2 : (!layout.v1_mounts.empty() ? 1 : 0);
  return layout;
}

std::string cgroup_relative_path(const std::string& sandbox) { return "ringfence/" + sandbox; }

Cgroup open_cgroup(const CgroupLayout& layout, const std::string& sandbox) {
  Cgroup cg;
  cg.version = layout.version;
  const std::string rel = cgroup_relative_path(sandbox);
  if (layout.version == 2) {
    cg.dirs.emplace_back("", layout.v2_mount + "/" + rel);
  } else {
    for (const auto& [controllers, mount] : layout.v1_mounts) cg.dirs.emplace_back(controllers, mount + "/" + rel);
  }
  return cg;
}

std::optional<Cgroup> create_cgroup(const CgroupLayout& layout, const std::string& sandbox,
                                    const policy::CgroupParams& limits, Status& status) {
  if (layout.version == 0) {
    status = Status::failure("no cgroup hierarchy is mounted", ENOENT);
    return std::nullopt;
  }
  Cgroup cg = open_cgroup(layout, sandbox);
  for (const auto& [controllers, dir] : cg.dirs) {
    const std::string parent = dir.substr(0, dir.rfind('/'));
    if (Status st = make_dir(parent); !st) return status = st, std::nullopt;
    if (layout.version == 1 && lists(controllers, "cpuset"))
      if (Status st = init_cpuset(parent); !st) return status = st, std::nullopt;
    if (mkdir(dir.c_str(), 0755) != 0) {
      status = Status::from_errno("mkdir " + dir);
      return std::nullopt;
    }
    if (layout.version == 1 && lists(controllers, "cpuset"))
      if (Status st = init_cpuset(dir); !st) return status = st, std::nullopt;
  }
  if (layout.version == 2) {
    // Delegate the controllers the limits need to the sandbox's directory.
    const std::string parent = cg.dirs.front().second.substr(0, cg.dirs.front().second.rfind('/'));
    for (const std::string& d : {layout.v2_mount, parent}) {
      std::string available, enable;
      (void)read_file(d + "/cgroup.controllers", available);
      std::stringstream words(available);
      std::string c;
      while (words >> c)
        if (c == "memory" || c == "cpu" || c == "cpuset" || c == "pids") enable += "+" + c + " ";
      if (!enable.empty())
        if (Status st = write_file(d + "/cgroup.subtree_control", enable); !st) return status = st, std::nullopt;
    }
  }
  Status st = layout.version == 1 ? write_v1_limits(cg, limits) : write_v2_limits(cg, limits);
  if (!st) {
    (void)destroy_cgroup(cg);
    status = st;
    return std::nullopt;
  }
  return cg;
}

Status apply_device_rules(const Cgroup& cg, const policy::DeviceCgroupParams& params) {
  if (cg.version == 2)
    return Status::failure("device rules on cgroup v2 need a BPF device program, which this build does not load",
                           EOPNOTSUPP);
  const std::string dir = cg.dir_for("devices");
  if (dir.empty()) return Status::failure("no devices cgroup controller", ENOENT);
  for (const auto& r : params.rules) {
    const std::string rule = fmt::format("{} {}:{} {}", r.type, r.major < 0 ? "*" : std::to_string(r.major),
                                         r.minor < 0 ? "*" : std::to_string(r.minor), r.access);
    if (Status st = write_file(dir + (r.allow ? "/devices.allow" : "/devices.deny"), r.type == 'a' ? "a" : rule); !st)
      return st;
  }
  return {};
}

Status attach_to_cgroup(const Cgroup& cg, pid_t pid) {
  for (const auto& [controllers, dir] : cg.dirs)
    if (Status st = write_file(dir + "/cgroup.procs", std::to_string(pid)); !st) return st;
  return {};
}

std::vector<pid_t> cgroup_pids(const Cgroup& cg) {
  std::vector<pid_t> pids;
  if (cg.dirs.empty()) return pids;
  std::ifstream in(cg.dirs.front().second + "/cgroup.procs");
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

Status destroy_cgroup(const Cgroup& cg) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + seconds(5);
  for (const auto& [controllers, dir] : cg.dirs) {
    if (access(dir.c_str(), F_OK) != 0) continue;
    while (true) {
      std::vector<pid_t> pids;
      {
        std::ifstream in(dir + "/cgroup.procs");
        pid_t pid;
        while (in >> pid) pids.push_back(pid);
      }
      if (pids.empty() && rmdir(dir.c_str()) == 0) break;
      if (pids.empty() && errno != EBUSY) return Status::from_errno("rmdir " + dir);
      for (pid_t pid : pids) kill(pid, SIGKILL);
      if (steady_clock::now() > deadline) return Status::failure("processes of " + dir + " would not die", EBUSY);
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  return {};
}

}  // namespace ringfence::enforcer
