#include "ringfence/policy/oci_export.h"

#include <fmt/format.h>

#include "ringfence/policy/names.h"

namespace ringfence::policy {
namespace {

using nlohmann::json;

json caps(std::uint64_t set) {
  json out = json::array();
  for (int cap = 0; cap < 64; ++cap)
    if (set & (std::uint64_t{1} << cap)) out.push_back(capability_name(cap));
  return out;
}

std::string rlimit_type(const std::string& name) {
  std::string out = "RLIMIT_";
  for (char c : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

json mount_options(const MountEntry& m) {
  json o = json::array();
  if (m.type == "bind") o.push_back(m.recursive ? "rbind" : "bind");
  o.push_back(m.readonly ? "ro" : "rw");
  if (m.nosuid) o.push_back("nosuid");
  if (m.nodev) o.push_back("nodev");
  if (m.noexec) o.push_back("noexec");
  if (!m.data.empty()) {
    std::size_t start = 0;
    while (start <= m.data.size()) {
      const auto comma = m.data.find(',', start);
      o.push_back(m.data.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return o;
}

}  // namespace

nlohmann::json export_oci(const Plan& plan) {
  json process = json::object();
  json linux_ = json::object();
  json mounts = json::array();
  json root{{"path", "rootfs"}, {"readonly", plan.has("mount.readonly-root")}};
  json out{{"ociVersion", "1.0.2"}};

  process["noNewPrivileges"] = plan.has("process.no-new-privileges");
  for (const auto& step : plan.steps) {
    const std::string& n = step.name;
    if (n == "caps.sets") {
      const auto& c = step.get<CapSets>();
      process["capabilities"] = json{{"bounding", caps(c.bounding)},   {"effective", caps(c.effective)},
                                     {"permitted", caps(c.permitted)}, {"inheritable", caps(c.inheritable)},
                                     {"ambient", caps(c.ambient)}};
    } else if (n == "user.ids") {
      const auto& id = step.get<IdentityParams>();
      json user = json::object();
      // The runtime spec has numbers only; names are resolved in the rootfs
      // at run time, so they are left out here.
      auto number = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
      if (number(id.user)) user["uid"] = std::stoul(id.user);
      if (number(id.group)) user["gid"] = std::stoul(id.group);
      else if (number(id.user)) user["gid"] = 0;
      json gids = json::array();
      for (const auto& g : id.groups)
        if (number(g)) gids.push_back(std::stoul(g));
      if (!gids.empty()) user["additionalGids"] = gids;
      process["user"] = user;
    } else if (n == "process.exec") {
      const auto& e = step.get<ExecParams>();
      json env = json::array();
      for (const auto& [k, v] : e.env) env.push_back(k + "=" + v);
      process["env"] = env;
      process["cwd"] = e.cwd;
      process["user"]["umask"] = e.umask;
    } else if (n == "process.rlimits") {
      json rl = json::array();
      for (const auto& l : step.get<RlimitsParams>().limits)
        rl.push_back(json{{"type", rlimit_type(l.name)}, {"soft", l.soft}, {"hard", l.hard}});
      process["rlimits"] = rl;
    } else if (n == "process.oom-score-adj") {
      process["oomScoreAdj"] = step.get<OomScoreParams>().adj;
    } else if (n == "apparmor.exec-label") {
      process["apparmorProfile"] = step.get<AppArmorParams>().profile;
    } else if (n == "selinux.exec-label") {
      process["selinuxLabel"] = step.get<SELinuxParams>().label;
    } else if (n == "uts.hostname") {
      out["hostname"] = step.get<HostnameParams>().hostname;
    } else if (n == "namespaces.create") {
      const auto& ns = step.get<NamespacesParams>();
      json list = json::array();
      for (auto [on, type] : {std::pair{ns.pid, "pid"}, {ns.net, "network"}, {ns.ipc, "ipc"}, {ns.uts, "uts"},
                              {ns.mount, "mount"}, {ns.user, "user"}, {ns.cgroup, "cgroup"}})
        if (on) list.push_back(json{{"type", type}});
      linux_["namespaces"] = list;
    } else if (n == "userns.maps") {
      const auto& u = step.get<UserNsParams>();
      auto map = [](const std::vector<IdMapping>& m) {
        json out = json::array();
        for (const auto& e : m) out.push_back(json{{"containerID", e.inside}, {"hostID", e.outside}, {"size", e.count}});
        return out;
      };
      // Automatic maps are picked at each start (a block of ringfence's own
      // range, or the engine's --userns=auto): nothing fixed to write.
      if (!u.uid_map.empty()) linux_["uidMappings"] = map(u.uid_map);
      if (!u.gid_map.empty()) linux_["gidMappings"] = map(u.gid_map);
    } else if (n == "cgroup.create") {
      const auto& c = step.get<CgroupParams>();
      json res = json::object();
      if (c.memory) res["memory"]["limit"] = *c.memory;
      if (c.memory_swap) res["memory"]["swap"] = *c.memory_swap;
      if (c.memory_reservation) res["memory"]["reservation"] = *c.memory_reservation;
      if (c.cpu_quota_us) res["cpu"]["quota"] = *c.cpu_quota_us;
      if (c.cpu_period_us) res["cpu"]["period"] = *c.cpu_period_us;
      if (c.cpu_shares) res["cpu"]["shares"] = *c.cpu_shares;
      if (c.cpuset_cpus) res["cpu"]["cpus"] = *c.cpuset_cpus;
      if (c.cpuset_mems) res["cpu"]["mems"] = *c.cpuset_mems;
      if (c.pids_limit) res["pids"]["limit"] = *c.pids_limit;
      linux_["resources"].update(res);
    } else if (n == "devices.cgroup") {
      json rules = json::array();
      for (const auto& r : step.get<DeviceCgroupParams>().rules) {
        json j{{"allow", r.allow}, {"access", r.access}};
        if (r.type != 'a') j["type"] = std::string(1, r.type);
        if (r.major >= 0) j["major"] = r.major;
        if (r.minor >= 0) j["minor"] = r.minor;
        rules.push_back(j);
      }
      linux_["resources"]["devices"] = rules;
    } else if (n == "devices.nodes") {
      json devs = json::array();
      for (const auto& d : step.get<DeviceNodesParams>().nodes)
        devs.push_back(json{{"path", d.path}, {"type", std::string(1, d.type)}, {"major", d.major},
                            {"minor", d.minor}, {"fileMode", d.mode}});
      linux_["devices"] = devs;
    } else if (n == "seccomp.compile") {
      linux_["seccomp"] = seccomp_to_oci(step.get<SeccompFilter>());
    } else if (n == "mount.masked-paths") {
      linux_["maskedPaths"] = step.get<PathsParams>().paths;
    } else if (n == "mount.readonly-paths") {
      linux_["readonlyPaths"] = step.get<PathsParams>().paths;
    } else if (n == "mount.propagation") {
      linux_["rootfsPropagation"] = step.get<PropagationParams>().mode;
    } else if (n == "mount.proc") {
      const auto& p = step.get<ProcParams>();
      json o = json::array();
      if (p.nosuid) o.push_back("nosuid");
      if (p.noexec) o.push_back("noexec");
      if (p.nodev) o.push_back("nodev");
      mounts.push_back(json{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", o}});
    } else if (n == "mount.dev") {
      const auto& d = step.get<DevParams>();
      mounts.push_back(json{{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                            {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}});
      if (d.pts)
        mounts.push_back(json{{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
                              {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}});
      if (d.shm)
        mounts.push_back(json{{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
                              {"options", {"nosuid", "noexec", "nodev", "mode=1777", fmt::format("size={}", d.shm_size)}}});
      if (d.mqueue)
        mounts.push_back(json{{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"},
                              {"options", {"nosuid", "noexec", "nodev"}}});
    } else if (n == "mount.sys") {
      const auto& s = step.get<SysParams>();
      json o = {"nosuid", "noexec", "nodev"};
      if (s.readonly) o.push_back("ro");
      mounts.push_back(json{{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", o}});
      if (s.cgroup)
        mounts.push_back(json{{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
                              {"options", {"ro", "nosuid", "noexec", "nodev"}}});
    } else if (n == "mount.volumes" || n == "mount.tmpfs") {
      for (const auto& m : step.get<MountsParams>().mounts)
        mounts.push_back(json{{"destination", m.target},
                              {"type", m.type},
                              {"source", m.source},
                              {"options", mount_options(m)}});
    }
  }
  out["process"] = process;
  out["root"] = root;
  out["mounts"] = mounts;
  out["linux"] = linux_;
  return out;
}

}  // namespace ringfence::policy
