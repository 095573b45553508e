// Which processes make up a sandbox: what `audit check --name` judges,
// every one of them, against the sandbox's plan.
#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "file_io.h"
#include "ringfence/base/fd.h"
#include "ringfence/enforcer/process_facts.h"

namespace ringfence::enforcer {
namespace sandbox_scan {  // named: the unity build puts this file beside process_facts.cpp

// /proc/PID/stat's parent and start time; nullopt when the process is gone.
std::optional<StatFields> stat_of(pid_t pid) {
  std::string text;
  if (!read_file(fmt::format("/proc/{}/stat", pid), text)) return std::nullopt;
  return parse_stat(text);
}

struct NsId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const NsId& o) const { return dev == o.dev && ino == o.ino; }
};

std::optional<NsId> ns_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  return NsId{st.st_dev, st.st_ino};
}

std::optional<NsId> pid_ns_of(const std::string& proc_pid) {
  struct stat st {};
  if (stat((proc_pid + "/ns/pid").c_str(), &st) != 0) return std::nullopt;
  return NsId{st.st_dev, st.st_ino};
}

// Whether `pid`'s pid namespace lies below `top`: its parents, walked with
// NS_GET_PARENT, which fails (EPERM) past the auditor's own namespace.
bool below(pid_t pid, const NsId& top) {
  Fd fd(open(fmt::format("/proc/{}/ns/pid", pid).c_str(), O_RDONLY | O_CLOEXEC));
  for (int depth = 0; fd.valid() && depth < 32; ++depth) {
    Fd parent(ioctl(fd.get(), NS_GET_PARENT));
    if (!parent.valid()) return false;
    const auto id = ns_of(parent.get());
    if (id && *id == top) return true;
    fd = std::move(parent);
  }
  return false;
}

// The most specific line of /proc/PID/cgroup (the longest path): a
// hierarchy the process sits at the root of says nothing.
std::optional<CgroupMembership> own_cgroup(pid_t pid) {
  std::string text;
  if (!read_file(fmt::format("/proc/{}/cgroup", pid), text)) return std::nullopt;
  const auto groups = parse_proc_cgroup(text);
  if (!groups || groups->empty()) return std::nullopt;
  return *std::max_element(groups->begin(), groups->end(),
                           [](const auto& a, const auto& b) { return a.path.size() < b.path.size(); });
}

bool in_or_below(const std::optional<CgroupMembership>& m, const CgroupMembership& top) {
  if (!m || top.path == "/") return false;
  return m->path == top.path || m->path.rfind(top.path + "/", 0) == 0;
}

}  // namespace sandbox_scan

Status sandbox_processes(pid_t init, bool nested, std::vector<SandboxProcess>& out) {
  using namespace sandbox_scan;
  out.clear();
  const std::string init_proc = fmt::format("/proc/{}", init);
  const auto init_stat = stat_of(init);
  const auto init_ns = pid_ns_of(init_proc);
  if (!init_stat || !init_ns) return Status::from_errno(fmt::format("process {}", init));
  out.push_back({init, init_stat->start_time});
  const auto own_ns = pid_ns_of("/proc/self");
  const bool host_ns = own_ns && *own_ns == *init_ns;
  std::optional<CgroupMembership> init_cgroup;
  if (host_ns) init_cgroup = own_cgroup(init);

  std::map<pid_t, StatFields> candidates;  // host namespace: every process, to walk the parents
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return Status::from_errno("open /proc");
  while (dirent* e = readdir(dir)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == init) continue;
    const auto st = stat_of(pid);
    if (!st) continue;  // ended meanwhile
    if (host_ns) {
      if (init_cgroup && in_or_below(own_cgroup(pid), *init_cgroup))
        out.push_back({pid, st->start_time});
      else
        candidates[pid] = *st;
      continue;
    }
    const auto ns = pid_ns_of(fmt::format("/proc/{}", pid));
    if (!ns) continue;
    if (*ns == *init_ns || (nested && !(own_ns && *ns == *own_ns) && below(pid, *init_ns)))
      out.push_back({pid, st->start_time});
  }
  closedir(dir);

  if (host_ns) {
    // The init's descendants, to a fixed point: a process whose parent is
    // one of the sandbox's is one of them.
    for (bool grew = true; grew;) {
      grew = false;
      for (auto it = candidates.begin(); it != candidates.end();) {
        const pid_t parent = it->second.ppid;
        if (std::any_of(out.begin(), out.end(), [parent](const SandboxProcess& p) { return p.pid == parent; })) {
          out.push_back({it->first, it->second.start_time});
          it = candidates.erase(it);
          grew = true;
        } else {
          ++it;
        }
      }
    }
  }
  std::sort(out.begin() + 1, out.end(), [](const SandboxProcess& a, const SandboxProcess& b) { return a.pid < b.pid; });
  return {};
}

}  // namespace ringfence::enforcer
