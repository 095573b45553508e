#include "ringfence/enforcer/process_facts.h"

#include <dirent.h>
#include <sys/stat.h>

#include <fmt/core.h>

#include "file_io.h"
#include "ringfence/enforcer/cgroup.h"
#include "ringfence/base/fd.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/policy/namespace_kinds.h"

namespace ringfence::enforcer {
namespace {

std::optional<std::string> read_opt(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) return std::nullopt;
  return text;
}

// /proc/PID/stat's fields, nullopt when the process is gone.
std::optional<StatFields> stat_fields(const std::string& proc) {
  const auto stat = read_opt(proc + "/stat");
  return stat ? parse_stat(*stat) : std::nullopt;
}

std::vector<pid_t> thread_ids(const std::string& proc) {
  std::vector<pid_t> out;
  DIR* dir = opendir((proc + "/task").c_str());
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.') out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  closedir(dir);
  return out;
}

ThreadFacts read_thread(const std::string& proc, pid_t tid, bool read_filters) {
  ThreadFacts t;
  t.tid = tid;
  const std::string task = fmt::format("{}/task/{}", proc, tid);
  if (const auto text = read_opt(task + "/status")) {
    const auto s = parse_status(*text);
    t.cap_inh = status_hex(s, "CapInh");
    t.cap_prm = status_hex(s, "CapPrm");
    t.cap_eff = status_hex(s, "CapEff");
    t.cap_bnd = status_hex(s, "CapBnd");
    t.cap_amb = status_hex(s, "CapAmb");
    t.no_new_privs = status_int(s, "NoNewPrivs");
    t.seccomp_mode = status_int(s, "Seccomp");
    t.seccomp_filters = status_int(s, "Seccomp_filters");
    t.uids = status_ids(s, "Uid");
    t.gids = status_ids(s, "Gid");
    t.groups = status_groups(s);
  }
  // EINVAL when no LSM provides the attribute: it stays absent.
  if (auto v = read_opt(task + "/attr/current")) t.attr_current = trimmed(*v);
  if (auto v = read_opt(task + "/attr/apparmor/current")) t.attr_apparmor = trimmed(*v);
  if (read_filters && t.seccomp_mode.value_or(0) == 2) {
    std::vector<BpfProgram> filters;
    if (Status st = read_seccomp_filters(tid, filters); st)
      t.filters = std::move(filters);
    else
      t.filters_unreadable = st.message;
  } else if (read_filters && t.seccomp_mode) {
    t.filters = std::vector<BpfProgram>{};  // no filter mode: nothing to read
  } else {
    t.filters_unreadable = "not read";
  }
  return t;
}

// The limit files a verify may compare, in each of the process's cgroup
// directories; the ones a kernel lacks are simply not there.
constexpr const char* kCgroupFiles[] = {
    "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "cpu.cfs_period_us",
    "cpu.cfs_quota_us",      "cpu.shares",                  "cpuset.cpus",                "cpuset.mems",
    "pids.max",              "devices.list",                "memory.max",                 "memory.swap.max",
    "memory.low",            "cpu.max",                     "cpu.weight",
    "blkio.weight",          "blkio.weight_device",         "blkio.bfq.weight",           "blkio.bfq.weight_device",
    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
    "blkio.throttle.write_iops_device", "io.weight",        "io.bfq.weight",              "io.max"};

// The limit files of every huge page size in `dir` (hugetlb.2MB.max,
// hugetlb.1GB.rsvd.limit_in_bytes...).
void read_hugetlb_limits(const std::string& dir, std::map<std::string, std::string>& files) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    auto ends = [&](const std::string& tail) {
      return name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (name.rfind("hugetlb.", 0) != 0 || !(ends(".limit_in_bytes") || ends(".max"))) continue;
    if (auto v = read_opt(dir + "/" + name)) files[dir + "/" + name] = trimmed(*v);
  }
  closedir(d);
}

void read_cgroup(ProcessFacts& f, const std::vector<std::string>& more_files) {
  if (!f.cgroups) return;
  const CgroupLayout layout = detect_cgroup_layout();
  f.cgroup_version = layout.version;
  for (const auto& m : *f.cgroups) {
    if (layout.version == 2 && m.controllers.empty()) {
      f.cgroup_dirs.emplace_back("", layout.v2_mount + m.path);
    } else if (layout.version == 1) {
      for (const auto& [controllers, mount] : layout.v1_mounts)
        if (controllers == m.controllers) f.cgroup_dirs.emplace_back(controllers, mount + m.path);
    }
  }
  for (const auto& [controllers, dir] : f.cgroup_dirs) {
    for (const char* file : kCgroupFiles)
      if (auto v = read_opt(dir + "/" + file)) f.cgroup_files[dir + "/" + file] = trimmed(*v);
    for (const auto& file : more_files)
      if (file.find('/') == std::string::npos)
        if (auto v = read_opt(dir + "/" + file)) f.cgroup_files[dir + "/" + file] = trimmed(*v);
    // hugetlb's files are named by the page sizes this kernel has.
    if (controllers.empty() || controllers.find("hugetlb") != std::string::npos) read_hugetlb_limits(dir, f.cgroup_files);
    // v2's device rules are a program attached to the cgroup (or above).
    if (f.cgroup_version == 2 && controllers.empty()) {
      auto programs = device_programs_in_force(dir);
      if (programs)
        f.device_programs = std::move(*programs);
      else
        f.device_programs_unreadable = programs.status().message;
    }
  }
}

// The processes, other than `pid` and those in its cgroup or below it, that
// share its network namespace. The host's namespace is shared by all of
// the host: not looked for (namespaces.create judges it).
std::vector<pid_t> in_net_namespace(const struct stat& ns, NetNamespaceIndex* index) {
  std::vector<pid_t> out;
  if (index && index->built) {
    if (const auto it = index->members.find({ns.st_dev, ns.st_ino}); it != index->members.end()) out = it->second;
    return out;
  }
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    const pid_t other = static_cast<pid_t>(std::atoi(e->d_name));
    if (other <= 0) continue;
    struct stat st {};
    if (stat(fmt::format("/proc/{}/ns/net", other).c_str(), &st) != 0) continue;
    if (index) index->members[{st.st_dev, st.st_ino}].push_back(other);
    if (st.st_dev == ns.st_dev && st.st_ino == ns.st_ino) out.push_back(other);
  }
  closedir(dir);
  if (index) index->built = true;
  return out;
}

std::optional<std::vector<std::string>> net_peers(pid_t pid, const ProcessFacts& f, NetNamespaceIndex* index) {
  const auto ns = f.namespaces.find("net");
  if (ns == f.namespaces.end() || ns->second.shared_with_host.value_or(true) || !f.cgroups || f.cgroups->empty())
    return std::nullopt;
  struct stat mine {};
  if (stat(fmt::format("/proc/{}/ns/net", pid).c_str(), &mine) != 0) return std::nullopt;
  // The most specific of its memberships: a hierarchy it sits at the root
  // of would make every process its own.
  const CgroupMembership* best = &f.cgroups->front();
  for (const auto& m : *f.cgroups)
    if (m.path.size() > best->path.size()) best = &m;
  const CgroupMembership& own = *best;
  auto inside = [&own](const std::string& path) {
    return path == own.path || own.path == "/" || path.rfind(own.path + "/", 0) == 0;
  };
  std::vector<std::string> out;
  for (const pid_t other : in_net_namespace(mine, index)) {
    if (other == pid) continue;
    const auto text = read_opt(fmt::format("/proc/{}/cgroup", other));
    const auto groups = text ? parse_proc_cgroup(*text) : std::nullopt;
    if (!groups) continue;  // ended meanwhile
    for (const auto& m : *groups)
      if (m.controllers == own.controllers && !inside(m.path)) out.push_back(fmt::format("{} ({})", other, m.path));
  }
  return out;
}

}  // namespace

NamespaceFact namespace_fact(const std::string& proc, const std::string& kind) {
  NamespaceFact f;
  char buf[64] = {};
  if (readlink((proc + "/ns/" + kind).c_str(), buf, sizeof buf - 1) > 0) f.id = buf;
  struct stat mine {}, host {};
  if (stat((proc + "/ns/" + kind).c_str(), &mine) != 0) {
    // A kind this kernel does not have (time namespaces before Linux 5.6):
    // no process can have one of its own, so each shares the host's.
    if (errno == ENOENT && access(("/proc/self/ns/" + kind).c_str(), F_OK) != 0 && errno == ENOENT &&
        access(proc.c_str(), F_OK) == 0) {
      f.id = fmt::format("none: this kernel has no {} namespaces", kind);
      f.host_id = f.id;
      f.shared_with_host = true;
    }
    return f;
  }
  // The host's namespaces are pid 1's; where pid 1 cannot be read (the
  // auditor itself runs in a container whose init is protected), the
  // auditor's own, which must be the host's: the check runs on the host.
  for (const std::string ref : {"/proc/1/ns/", "/proc/self/ns/"}) {
    if (stat((ref + kind).c_str(), &host) != 0) continue;
    char hbuf[64] = {};
    if (readlink((ref + kind).c_str(), hbuf, sizeof hbuf - 1) > 0) f.host_id = hbuf;
    f.host_id += ref == "/proc/1/ns/" ? " (pid 1)" : " (the auditor's)";
    f.shared_with_host = mine.st_dev == host.st_dev && mine.st_ino == host.st_ino;
    break;
  }
  return f;
}

Status read_process_facts(pid_t pid, const FactsOptions& options, ProcessFacts& f) {
  f = {};
  f.pid = pid;
  Fd pidfd(pidfd_open_process(pid));
  if (!pidfd.valid()) return Status::from_errno(fmt::format("process {}", pid));
  const std::string proc = fmt::format("/proc/{}", pid);
  // Reading another process's /proc needs the ptrace read check: without
  // it status still opens but the maps and mountinfo do not.
  if (access((proc + "/mountinfo").c_str(), R_OK) != 0 && errno != ENOENT)
    return Status::from_errno(fmt::format("read /proc/{}", pid));
  // The pidfd is open: if the pid still holds the process that was found,
  // the pidfd is that process's, whatever happens to the pid later.
  if (const auto st = options.start_time ? stat_fields(proc) : std::nullopt;
      options.start_time && (!st || st->start_time != *options.start_time))
    return Status::failure(fmt::format("process {} ended before the check", pid), ESRCH);

  for (pid_t tid : thread_ids(proc)) f.threads.push_back(read_thread(proc, tid, options.read_seccomp_filters));
  for (const auto& ns : policy::kNamespaceKinds) f.namespaces[std::string(ns.proc)] = namespace_fact(proc, std::string(ns.proc));
  if (auto t = read_opt(proc + "/uid_map")) f.uid_map = parse_id_map(*t);
  if (auto t = read_opt(proc + "/gid_map")) f.gid_map = parse_id_map(*t);
  if (auto t = read_opt(proc + "/setgroups")) f.setgroups = trimmed(*t);
  if (auto t = read_opt(proc + "/mountinfo")) f.mounts = parse_mountinfo(*t);
  if (auto t = read_opt(proc + "/cgroup")) f.cgroups = parse_proc_cgroup(*t);
  read_cgroup(f, options.cgroup_files);
  if (auto t = read_opt(proc + "/limits")) f.limits = parse_limits(*t);
  if (auto t = read_opt(proc + "/net/dev")) f.net_interfaces = parse_net_dev(*t);
  f.net_peers = net_peers(pid, f, options.net_index.get());
  for (const char* host : {"/proc/1/mountinfo", "/proc/self/mountinfo"})
    if (auto t = read_opt(host)) {
      f.host_mounts = parse_mountinfo(*t);
      break;
    }
  if (auto t = read_opt(proc + "/oom_score_adj")) {
    try {
      f.oom_score_adj = std::stoi(*t);
    } catch (...) {
    }
  }
  for (const auto& path : options.probe_paths) {
    struct stat st {};
    // Through the process's own root: its mounts, not the auditor's.
    const bool there = lstat((proc + "/root" + path).c_str(), &st) == 0;
    if (there || errno == ENOENT || errno == ENOTDIR) f.path_exists[path] = there;
  }

  if (options.before_recheck) options.before_recheck();
  // Still the same, living process: a pidfd cannot follow a reused pid,
  // and a zombie has no threads left to judge.
  if (pidfd_signal(pidfd.get(), 0) != 0) return Status::from_errno(fmt::format("process {} ended during the check", pid));
  const auto st = stat_fields(proc);
  if (!st || st->state == 'Z' || st->state == 'X' || f.threads.empty())
    return Status::failure(fmt::format("process {} ended during the check", pid), ESRCH);
  return {};
}

}  // namespace ringfence::enforcer
