#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/proc_parse.h"

#include <fcntl.h>
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
#include "ringfence/base/fault.h"
#include "ringfence/base/fd.h"
#include "ringfence/enforcer/device_bpf.h"
#include "ringfence/enforcer/mountinfo.h"
#include "ringfence/enforcer/pidfd.h"

namespace ringfence::enforcer {
namespace {

// The v1 controllers a sandbox gets a directory in: always the first six;
// blkio and hugetlb only when its limits ask for block I/O or huge pages
// (optional_hierarchy), so that the sandboxes that do not pay nothing for
// them.
const std::vector<std::string>& v1_controllers() {
  static const std::vector<std::string> c = {"memory", "cpu", "cpuset", "pids", "devices", "freezer", "blkio", "hugetlb"};
  return c;
}
constexpr std::size_t kAlwaysUsed = 6;

bool lists(const std::string& controllers, const std::string& one) {
  std::stringstream in(controllers);
  std::string c;
  while (std::getline(in, c, ','))
    if (c == one) return true;
  return false;
}

// The same for v2's space-separated lists (cgroup.controllers).
bool lists_word(const std::string& controllers, const std::string& one) {
  std::stringstream in(controllers);
  for (std::string c; in >> c;)
    if (c == one) return true;
  return false;
}

// Every hierarchy's directory at `rel`, optional ones included.
Cgroup all_dirs(const CgroupLayout& layout, const std::string& rel) {
  Cgroup cg;
  cg.version = layout.version;
  if (layout.version == 2) {
    cg.dirs.emplace_back("", layout.v2_mount + "/" + rel);
  } else {
    for (const auto& [controllers, mount] : layout.v1_mounts) cg.dirs.emplace_back(controllers, mount + "/" + rel);
  }
  return cg;
}

// The weight file this kernel's I/O scheduler offers, "" when none: the
// generic one (v1 blkio.weight, v2 io.weight) or BFQ's. v2's io.weight takes
// 1..10000; BFQ's and v1's 10..1000.
std::string weight_file(const std::string& dir, bool v2, bool& converted) {
  converted = false;
  if (v2) {
    if (access((dir + "/io.bfq.weight").c_str(), F_OK) == 0) return "io.bfq.weight";
    converted = true;
    return access((dir + "/io.weight").c_str(), F_OK) == 0 ? "io.weight" : "";
  }
  if (access((dir + "/blkio.weight").c_str(), F_OK) == 0) return "blkio.weight";
  return access((dir + "/blkio.bfq.weight").c_str(), F_OK) == 0 ? "blkio.bfq.weight" : "";
}

// The conversion runc and crun use from blkio's 10..1000 to io.weight's 1..10000.
std::int64_t v2_weight(std::int64_t w) { return 1 + (w - 10) * 9999 / 990; }

Status io_limit_writes(const std::string& d, bool v2, const policy::CgroupParams& l, std::vector<CgroupWrite>& out) {
  // On v2 the io controller's files exist only where the parent enables it
  // (cgroup.subtree_control): say that, rather than "no such file" later.
  if (v2 && access((d + "/io.stat").c_str(), F_OK) != 0)
    return Status::failure(fmt::format("the io controller is not enabled for {} (its parent's cgroup.subtree_control "
                                       "lacks io): block I/O limits cannot be applied",
                                       d),
                           ENOENT);
  const bool weights = l.io_weight || std::any_of(l.io_devices.begin(), l.io_devices.end(),
                                                  [](const policy::IoDeviceLimit& x) { return x.weight.has_value(); });
  if (weights) {
    bool converted = false;
    const std::string file = weight_file(d, v2, converted);
    if (file.empty())
      return Status::failure(fmt::format("this kernel's block I/O scheduler has no weights (no {} in {}): "
                                         "resources.io_weight and device weights cannot be applied",
                                         v2 ? "io.weight or io.bfq.weight" : "blkio.weight or blkio.bfq.weight", d),
                             ENOENT);
    auto weight = [&](std::int64_t w) { return converted ? v2_weight(w) : w; };
    if (l.io_weight) out.push_back({d, file, v2 ? fmt::format("default {}", weight(*l.io_weight)) : std::to_string(*l.io_weight)});
    for (const auto& x : l.io_devices)
      if (x.weight) out.push_back({d, v2 ? file : file + "_device", fmt::format("{}:{} {}", x.major, x.minor, weight(*x.weight))});
  }
  for (const auto& x : l.io_devices) {
    if (v2) {
      std::string max;
      auto key = [&](const char* k, const std::optional<std::int64_t>& v) {
        if (v) max += fmt::format(" {}={}", k, *v);
      };
      key("rbps", x.read_bps);
      key("wbps", x.write_bps);
      key("riops", x.read_iops);
      key("wiops", x.write_iops);
      if (!max.empty()) out.push_back({d, "io.max", fmt::format("{}:{}{}", x.major, x.minor, max)});
      continue;
    }
    auto throttle = [&](const char* file, const std::optional<std::int64_t>& v) {
      if (v) out.push_back({d, file, fmt::format("{}:{} {}", x.major, x.minor, *v)});
    };
    throttle("blkio.throttle.read_bps_device", x.read_bps);
    throttle("blkio.throttle.write_bps_device", x.write_bps);
    throttle("blkio.throttle.read_iops_device", x.read_iops);
    throttle("blkio.throttle.write_iops_device", x.write_iops);
  }
  return {};
}

// The hugetlb controller has a file per page size the kernel has
// (hugetlb.2MB.limit_in_bytes on v1, hugetlb.2MB.max on v2), and, since
// Linux 5.7, one limiting reservations: a program that maps more than it
// may then fails at mmap instead of being killed at its first touch of a
// page. Both are written, as runc does.
Status hugepage_limit_writes(const std::string& d, bool v2, const policy::CgroupParams& l, std::vector<CgroupWrite>& out) {
  if (v2) {
    std::string controllers;
    (void)read_file(d + "/cgroup.controllers", controllers);
    if (!lists_word(controllers, "hugetlb"))
      return Status::failure(fmt::format("the hugetlb controller is not enabled for {} (its parent's "
                                         "cgroup.subtree_control lacks hugetlb): huge page limits cannot be applied",
                                         d),
                             ENOENT);
  }
  const char* suffix = v2 ? "max" : "limit_in_bytes";
  for (const auto& h : l.hugepages) {
    const std::string file = fmt::format("hugetlb.{}.{}", h.page_size, suffix);
    if (access((d + "/" + file).c_str(), F_OK) != 0)
      return Status::failure(fmt::format("this kernel has no {} huge pages (no {} in {})", h.page_size, file, d), ENOENT);
    out.push_back({d, file, std::to_string(h.limit)});
    const std::string rsvd = fmt::format("hugetlb.{}.rsvd.{}", h.page_size, suffix);
    if (access((d + "/" + rsvd).c_str(), F_OK) == 0) out.push_back({d, rsvd, std::to_string(h.limit)});
  }
  return {};
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

Status write_limits(const std::vector<CgroupWrite>& writes, int version) {
  for (const auto& w : writes) {
    Status st = write_file(w.dir + "/" + w.file, w.value);
    if (st) continue;
    // On v2 a controller's files exist only where the parent enables it
    // (create_cgroup enables what the hierarchy offers): say which one is
    // missing rather than "no such file".
    if (version == 2 && st.err == ENOENT) {
      const std::string controller = w.file.substr(0, w.file.find('.'));
      return Status::failure(fmt::format("the {} controller is not enabled for {} (its parent's "
                                         "cgroup.subtree_control lacks {}): {} cannot be written",
                                         controller, w.dir, controller, w.file),
                             ENOENT);
    }
    return st;
  }
  return {};
}

}  // namespace

Status cgroup_limit_writes(const Cgroup& cg, const policy::CgroupParams& l, std::vector<CgroupWrite>& out) {
  auto limit = [](std::int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); };
  if (cg.version == 2) {
    const std::string d = cg.dirs.front().second;
    if (l.memory) out.push_back({d, "memory.max", limit(*l.memory)});
    // v2 limits swap alone; Docker's memory_swap is memory plus swap.
    if (l.memory && l.memory_swap)
      out.push_back({d, "memory.swap.max",
                     *l.memory_swap < 0 ? "max" : std::to_string(std::max<std::int64_t>(0, *l.memory_swap - *l.memory))});
    if (l.memory_reservation) out.push_back({d, "memory.low", std::to_string(*l.memory_reservation)});
    if (l.cpu_quota_us)
      out.push_back({d, "cpu.max", fmt::format("{} {}", *l.cpu_quota_us, l.cpu_period_us.value_or(100000))});
    // The conversion runc and crun use from shares (2..262144) to weight (1..10000).
    if (l.cpu_shares) out.push_back({d, "cpu.weight", std::to_string(1 + ((*l.cpu_shares - 2) * 9999) / 262142)});
    if (l.cpuset_cpus) out.push_back({d, "cpuset.cpus", *l.cpuset_cpus});
    if (l.cpuset_mems) out.push_back({d, "cpuset.mems", *l.cpuset_mems});
    if (l.pids_limit) out.push_back({d, "pids.max", limit(*l.pids_limit)});
    if (l.limits_io())
      if (Status st = io_limit_writes(d, true, l, out); !st) return st;
    if (l.limits_hugepages())
      if (Status st = hugepage_limit_writes(d, true, l, out); !st) return st;
    // Last, as runc writes them: the files asked for by name.
    for (const auto& [file, value] : l.unified) out.push_back({d, file, value});
    return {};
  }
  if (!l.unified.empty())
    return Status::failure(fmt::format("resources.unified sets cgroup v2 files ({}...), and this host runs its "
                                       "controllers on cgroup v1",
                                       l.unified.begin()->first),
                           ENOTSUP);
  // v1: one directory per controller. A limit asked for with no controller
  // to hold it is a failure, not a silent downgrade.
  auto dir = [&](const char* controller, std::string& d) -> Status {
    d = cg.dir_for(controller);
    if (d.empty()) return Status::failure(fmt::format("no {} cgroup controller is mounted as a cgroup v1 hierarchy", controller), ENOENT);
    return {};
  };
  std::string d;
  if (l.memory || l.memory_reservation) {
    if (Status st = dir("memory", d); !st) return st;
    if (l.memory) {
      out.push_back({d, "memory.limit_in_bytes", std::to_string(*l.memory)});
      // memory+swap after memory (it may not be below it); Docker's default
      // is as much swap as memory. Kernels without swap accounting have no file.
      const std::int64_t memsw = l.memory_swap ? *l.memory_swap : (*l.memory > 0 ? 2 * *l.memory : -1);
      if (access((d + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0)
        out.push_back({d, "memory.memsw.limit_in_bytes", std::to_string(memsw)});
    }
    if (l.memory_reservation) out.push_back({d, "memory.soft_limit_in_bytes", std::to_string(*l.memory_reservation)});
  }
  if (l.cpu_quota_us || l.cpu_shares) {
    if (Status st = dir("cpu", d); !st) return st;
    if (l.cpu_period_us) out.push_back({d, "cpu.cfs_period_us", std::to_string(*l.cpu_period_us)});
    if (l.cpu_quota_us) out.push_back({d, "cpu.cfs_quota_us", std::to_string(*l.cpu_quota_us)});
    if (l.cpu_shares) out.push_back({d, "cpu.shares", std::to_string(*l.cpu_shares)});
  }
  if (l.cpuset_cpus || l.cpuset_mems) {
    if (Status st = dir("cpuset", d); !st) return st;
    if (l.cpuset_cpus) out.push_back({d, "cpuset.cpus", *l.cpuset_cpus});
    if (l.cpuset_mems) out.push_back({d, "cpuset.mems", *l.cpuset_mems});
  }
  if (l.pids_limit) {
    if (Status st = dir("pids", d); !st) return st;
    out.push_back({d, "pids.max", limit(*l.pids_limit)});
  }
  if (l.limits_io()) {
    if (Status st = dir("blkio", d); !st) return st;
    if (Status st = io_limit_writes(d, false, l, out); !st) return st;
  }
  if (l.limits_hugepages()) {
    if (Status st = dir("hugetlb", d); !st) return st;
    return hugepage_limit_writes(d, false, l, out);
  }
  return {};
}

bool holds_sandbox(const std::string& controllers, const policy::CgroupParams& l) {
  if (!optional_hierarchy(controllers)) return true;
  return (l.limits_io() && lists(controllers, "blkio")) || (l.limits_hugepages() && lists(controllers, "hugetlb"));
}

bool optional_hierarchy(const std::string& controllers) {
  if (controllers.empty()) return false;
  for (std::size_t i = 0; i < kAlwaysUsed; ++i)
    if (lists(controllers, v1_controllers()[i])) return false;
  return true;
}

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

bool is_cgroup_path(const std::string& relative) {
  if (relative.empty() || relative.front() == '/' || relative.back() == '/') return false;
  std::stringstream in(relative);
  std::string part;
  while (std::getline(in, part, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

Cgroup open_cgroup(const CgroupLayout& layout, const std::string& sandbox) {
  return cgroup_at(layout, cgroup_relative_path(sandbox));
}

Cgroup cgroup_at(const CgroupLayout& layout, const std::string& rel) {
  Cgroup cg = all_dirs(layout, rel);
  // An optional hierarchy holds the sandbox only if its create made it.
  std::erase_if(cg.dirs, [](const auto& d) { return optional_hierarchy(d.first) && access(d.second.c_str(), F_OK) != 0; });
  return cg;
}

namespace {

// One hierarchy's directory `dir` for the cgroup at `relative`, with the
// levels above it as mkdir -p; cpuset's need their CPUs and nodes.
Status make_cgroup_dir(int version, const std::string& controllers, const std::string& dir, const std::string& relative) {
  const std::string root = dir.substr(0, dir.size() - relative.size() - 1);
  for (std::size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1)) {
    const std::string level = root + "/" + relative.substr(0, slash);
    if (Status st = make_dir(level); !st) return st;
    if (version == 1 && lists(controllers, "cpuset"))
      if (Status st = init_cpuset(level); !st) return st;
  }
  if (mkdir(dir.c_str(), 0755) != 0) return Status::from_errno("mkdir " + dir);
  if (version == 1 && lists(controllers, "cpuset"))
    if (Status st = init_cpuset(dir); !st) return st;
  return {};
}

// v2: delegates the controllers the limits need to the sandbox's directory
// (from the hierarchy's root and its parent), where the tree offers them.
Status delegate_controllers(const CgroupLayout& layout, const Cgroup& cg, const policy::CgroupParams& limits) {
  const std::string parent = cg.dirs.front().second.substr(0, cg.dirs.front().second.rfind('/'));
  for (const std::string& d : {layout.v2_mount, parent}) {
    std::string available, enable;
    (void)read_file(d + "/cgroup.controllers", available);
    std::stringstream words(available);
    std::string c;
    // A unified file's controller is its name's first part ("memory.high").
    auto unified_uses = [&](const std::string& controller) {
      return std::any_of(limits.unified.begin(), limits.unified.end(),
                         [&](const auto& u) { return u.first.substr(0, u.first.find('.')) == controller; });
    };
    while (words >> c)
      if (c == "memory" || c == "cpu" || c == "cpuset" || c == "pids" || (c == "io" && limits.limits_io()) ||
          (c == "hugetlb" && limits.limits_hugepages()) || unified_uses(c))
        enable += "+" + c + " ";
    if (!enable.empty())
      if (Status st = write_file(d + "/cgroup.subtree_control", enable); !st) return st;
  }
  return {};
}

std::vector<pid_t> procs_of(const std::string& dir);

// The process's cgroup in the v1 hierarchy of `controllers` ("/user.slice"),
// "/" when /proc does not say.
std::string cgroup_path_of(pid_t pid, const std::string& controllers) {
  std::string text;
  if (!read_file("/proc/" + std::to_string(pid) + "/cgroup", text)) return "/";
  if (const auto memberships = parse_proc_cgroup(text))
    for (const auto& m : *memberships)
      if (m.controllers == controllers) return m.path;
  return "/";
}

}  // namespace

Status add_optional_hierarchies(const CgroupLayout& layout, const std::string& relative,
                                const policy::CgroupParams& limits, Cgroup& cg) {
  if (cg.dirs.empty()) return Status::failure("the sandbox has no cgroup", ENOENT);
  if (layout.version == 2) return delegate_controllers(layout, cg, limits);
  std::vector<std::pair<std::string, std::string>> missing;
  for (const auto& hierarchy : layout.v1_mounts) {
    const std::string& controllers = hierarchy.first;
    if (!optional_hierarchy(controllers) || !holds_sandbox(controllers, limits)) continue;
    const bool has = std::any_of(cg.dirs.begin(), cg.dirs.end(), [&](const auto& d) { return d.first == controllers; });
    if (!has) missing.emplace_back(controllers, hierarchy.second + "/" + relative);
  }
  if (missing.empty()) return {};
  // Frozen, no process of the sandbox can fork between the listing and the
  // moves: every one is moved, and their children are born in the new one.
  const bool was_frozen = is_frozen(cg);
  if (!was_frozen)
    if (Status st = set_frozen(cg, true); !st) return st;
  const std::string listed = cg.dir_for("freezer").empty() ? cg.dirs.front().second : cg.dir_for("freezer");
  Status st;
  for (const auto& [controllers, dir] : missing) {
    st = make_cgroup_dir(1, controllers, dir, relative);
    if (!st) break;
    // Where each process is in this hierarchy now, to put back the ones
    // moved if a later move fails.
    const std::string root = dir.substr(0, dir.size() - relative.size() - 1);
    std::vector<std::pair<pid_t, std::string>> was;
    for (pid_t pid : procs_of(listed)) was.emplace_back(pid, root + cgroup_path_of(pid, controllers));
    for (const auto& [pid, from] : was)
      if (st = write_file(dir + "/cgroup.procs", std::to_string(pid)); !st) break;
    if (!st) {
      for (const auto& [pid, from] : was) (void)write_file(from + "/cgroup.procs", std::to_string(pid));
      rmdir(dir.c_str());
      break;
    }
    cg.dirs.emplace_back(controllers, dir);
  }
  if (!was_frozen)
    if (Status thawed = set_frozen(cg, false); !thawed && st) st = thawed;
  return st;
}

Result<Cgroup> create_cgroup(const CgroupLayout& layout, const std::string& relative,
                             const policy::CgroupParams& limits) {
  if (layout.version == 0) return Status::failure("no cgroup hierarchy is mounted", ENOENT);
  if (!is_cgroup_path(relative))
    return Status::failure("'" + relative + "' is not a cgroup path (empty, absolute, or with '.', '..' or '//')", EINVAL);
  Cgroup cg = all_dirs(layout, relative);
  std::erase_if(cg.dirs, [&](const auto& d) { return !holds_sandbox(d.first, limits); });
  for (const auto& [controllers, dir] : cg.dirs)
    if (Status st = make_cgroup_dir(layout.version, controllers, dir, relative); !st) return st;
  if (layout.version == 2)
    if (Status st = delegate_controllers(layout, cg, limits); !st) return st;
  std::vector<CgroupWrite> writes;
  Status st = cgroup_limit_writes(cg, limits, writes);
  if (st) st = write_limits(writes, layout.version);
  if (!st) {
    (void)destroy_cgroup(cg);
    return st;
  }
  return cg;
}

Status apply_device_rules(const Cgroup& cg, const policy::DeviceCgroupParams& params) {
  if (cg.version == 2) return attach_device_program(cg.dirs.front().second, params);
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
  if (cg.dirs.empty()) return Status::failure("the sandbox's cgroup has no directory to move into", ENOENT);
  for (const auto& [controllers, dir] : cg.dirs)
    if (Status st = write_file(dir + "/cgroup.procs", std::to_string(pid)); !st) return st;
  return {};
}

Result<std::vector<Fd>> open_cgroup_tasks(const Cgroup& cg) {
  if (cg.version != 1) return Status::failure("only cgroup v1 has per-thread tasks files to move through", EINVAL);
  // No file would mean no move, and a sandbox outside any cgroup.
  if (cg.dirs.empty()) return Status::failure("the sandbox's cgroup has no directory to move into", ENOENT);
  std::vector<Fd> files;
  for (const auto& [controllers, dir] : cg.dirs) {
    const std::string path = dir + "/tasks";
    Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return Status::from_errno("open " + path);
    files.push_back(std::move(fd));
  }
  return files;
}

Status move_self_to_cgroup(const std::vector<Fd>& tasks) {
  for (const auto& fd : tasks)
    if (fault::call("cgroup-tasks.write", [&] { return write(fd.get(), "0", 1); }) != 1)
      return Status::from_errno("move into the sandbox's cgroup (write 0 to tasks)");
  return {};
}

std::vector<pid_t> cgroup_pids(const Cgroup& cg) {
  if (cg.dirs.empty()) return {};
  return procs_of(cg.dirs.front().second);
}

namespace {

std::vector<pid_t> procs_of(const std::string& dir) {
  std::vector<pid_t> pids;
  std::ifstream in(dir + "/cgroup.procs");
  pid_t pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

// SIGKILL to every process of the cgroup directory `dir`, never to another:
// a number read from cgroup.procs may belong to a new process by the time
// it is signalled. Each process is pinned by a pidfd first, and signalled
// only if its number is still listed afterwards — if the pinned process
// died meanwhile and its number went to someone else, the pidfd still
// names the dead one and the signal goes nowhere (ESRCH). cgroup.kill
// (cgroup v2, Linux 5.14) does all of it in the kernel.
void kill_members(const std::string& dir, const std::vector<pid_t>& seen) {
  if (access((dir + "/cgroup.kill").c_str(), F_OK) == 0 && write_file(dir + "/cgroup.kill", "1")) return;
  std::vector<std::pair<pid_t, Fd>> pinned;
  for (pid_t pid : seen) {
    Fd fd(pidfd_open_process(pid));
    if (fd.valid()) pinned.emplace_back(pid, std::move(fd));
  }
  const auto still = procs_of(dir);
  for (const auto& [pid, fd] : pinned)
    if (std::find(still.begin(), still.end(), pid) != still.end()) pidfd_signal(fd.get(), SIGKILL);
}

}  // namespace

Status destroy_cgroup(const Cgroup& cg) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + seconds(5);
  for (const auto& [controllers, dir] : cg.dirs) {
    while (true) {
      // Removed at the first try when it is empty, as after every run,
      // without reading its members: this is on the way to run's exit.
      if (rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY) return Status::from_errno("rmdir " + dir);
      kill_members(dir, procs_of(dir));
      if (steady_clock::now() > deadline) return Status::failure("processes of " + dir + " would not die", EBUSY);
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  return {};
}

}  // namespace ringfence::enforcer
