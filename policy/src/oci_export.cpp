#include "ringfence/policy/oci_export.h"

#include <fmt/format.h>

#include "ringfence/policy/names.h"
#include "ringfence/policy/namespace_kinds.h"

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

// What each step kind contributes to a runtime-spec config.json. Every kind
// is named (no default): a new kind must say what it exports, or that it has
// nothing to export.
struct OciExport {
  json process = json::object();
  json linux_ = json::object();
  json mounts = json::array();
  json out{{"ociVersion", "1.0.2"}};

  void add(const Step& step) {
    switch (step.kind()) {
      case StepKind::CapsSets: {
        const auto& c = *step.params_if<StepKind::CapsSets>();
        process["capabilities"] = json{{"bounding", caps(c.bounding)},   {"effective", caps(c.effective)},
                                       {"permitted", caps(c.permitted)}, {"inheritable", caps(c.inheritable)},
                                       {"ambient", caps(c.ambient)}};
        return;
      }
      case StepKind::UserIds: return user(*step.params_if<StepKind::UserIds>());
      case StepKind::ProcessExec: {
        const auto& e = *step.params_if<StepKind::ProcessExec>();
        json env = json::array();
        for (const auto& [k, v] : e.env) env.push_back(k + "=" + v);
        process["env"] = env;
        process["cwd"] = e.cwd;
        process["user"]["umask"] = e.umask;
        return;
      }
      case StepKind::ProcessRlimits: {
        json rl = json::array();
        for (const auto& l : step.params_if<StepKind::ProcessRlimits>()->limits)
          rl.push_back(json{{"type", rlimit_type(l.name)}, {"soft", l.soft}, {"hard", l.hard}});
        process["rlimits"] = rl;
        return;
      }
      case StepKind::ProcessOomScoreAdj:
        process["oomScoreAdj"] = step.params_if<StepKind::ProcessOomScoreAdj>()->adj;
        return;
      case StepKind::ApparmorExecLabel:
        process["apparmorProfile"] = step.params_if<StepKind::ApparmorExecLabel>()->profile;
        return;
      case StepKind::SelinuxExecLabel:
        process["selinuxLabel"] = step.params_if<StepKind::SelinuxExecLabel>()->label;
        return;
      case StepKind::ProcessNoNewPrivileges: process["noNewPrivileges"] = true; return;
      case StepKind::UtsHostname: out["hostname"] = step.params_if<StepKind::UtsHostname>()->hostname; return;
      case StepKind::NamespacesCreate: {
        const auto& ns = *step.params_if<StepKind::NamespacesCreate>();
        json list = json::array();
        for (const auto& k : kNamespaceKinds)
          if (ns.*k.created) list.push_back(json{{"type", k.oci}});
        linux_["namespaces"] = list;
        return;
      }
      case StepKind::UsernsMaps: {
        const auto& u = *step.params_if<StepKind::UsernsMaps>();
        auto map = [](const std::vector<IdMapping>& m) {
          json out = json::array();
          for (const auto& e : m) out.push_back(json{{"containerID", e.inside}, {"hostID", e.outside}, {"size", e.count}});
          return out;
        };
        // Automatic maps are picked at each start (a block of ringfence's
        // own range, or the engine's --userns=auto): nothing fixed to write.
        if (!u.uid_map.empty()) linux_["uidMappings"] = map(u.uid_map);
        if (!u.gid_map.empty()) linux_["gidMappings"] = map(u.gid_map);
        return;
      }
      case StepKind::CgroupCreate: return resources(*step.params_if<StepKind::CgroupCreate>());
      case StepKind::DevicesCgroup: {
        json rules = json::array();
        for (const auto& r : step.params_if<StepKind::DevicesCgroup>()->rules) {
          json j{{"allow", r.allow}, {"access", r.access}};
          if (r.type != 'a') j["type"] = std::string(1, r.type);
          if (r.major >= 0) j["major"] = r.major;
          if (r.minor >= 0) j["minor"] = r.minor;
          rules.push_back(j);
        }
        linux_["resources"]["devices"] = rules;
        return;
      }
      case StepKind::DevicesNodes: {
        json devs = json::array();
        for (const auto& d : step.params_if<StepKind::DevicesNodes>()->nodes)
          devs.push_back(json{{"path", d.path}, {"type", std::string(1, d.type)}, {"major", d.major},
                              {"minor", d.minor}, {"fileMode", d.mode}});
        linux_["devices"] = devs;
        return;
      }
      case StepKind::SeccompCompile:
        linux_["seccomp"] = seccomp_to_oci(*step.params_if<StepKind::SeccompCompile>());
        return;
      case StepKind::MountMaskedPaths:
        linux_["maskedPaths"] = step.params_if<StepKind::MountMaskedPaths>()->paths;
        return;
      case StepKind::MountReadonlyPaths:
        linux_["readonlyPaths"] = step.params_if<StepKind::MountReadonlyPaths>()->paths;
        return;
      case StepKind::MountPropagation:
        linux_["rootfsPropagation"] = step.params_if<StepKind::MountPropagation>()->mode;
        return;
      case StepKind::MountReadonlyRoot: out["root"]["readonly"] = true; return;
      case StepKind::NamespacesTime: {
        const auto& t = *step.params_if<StepKind::NamespacesTime>();
        linux_["timeOffsets"] = json{{"monotonic", {{"secs", t.monotonic}, {"nanosecs", 0}}},
                                     {"boottime", {{"secs", t.boottime}, {"nanosecs", 0}}}};
        return;
      }
      case StepKind::MountProc: {
        const auto& p = *step.params_if<StepKind::MountProc>();
        json o = json::array();
        if (p.nosuid) o.push_back("nosuid");
        if (p.noexec) o.push_back("noexec");
        if (p.nodev) o.push_back("nodev");
        mounts.push_back(json{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", o}});
        return;
      }
      case StepKind::MountDev: return dev(*step.params_if<StepKind::MountDev>());
      case StepKind::MountSys: {
        const auto& s = *step.params_if<StepKind::MountSys>();
        json o = {"nosuid", "noexec", "nodev"};
        if (s.readonly) o.push_back("ro");
        mounts.push_back(json{{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", o}});
        if (s.cgroup)
          mounts.push_back(json{{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
                                {"options", {"ro", "nosuid", "noexec", "nodev"}}});
        return;
      }
      case StepKind::MountVolumes: return entries(*step.params_if<StepKind::MountVolumes>());
      case StepKind::MountTmpfs: return entries(*step.params_if<StepKind::MountTmpfs>());
      // What the runtime spec has no field for, or what an OCI runtime does
      // by itself: nothing to export.
      case StepKind::ImageVerify:
      case StepKind::ApparmorCheck:
      case StepKind::SelinuxCheck:
      case StepKind::LandlockCheck:
      case StepKind::LandlockRestrict:
      case StepKind::SuidScan:
      case StepKind::SuidStrip:
      case StepKind::UsernsIds:
      case StepKind::MountSources:
      case StepKind::NamespacesJoin:
      case StepKind::ProcessDumpableOff:
      case StepKind::UsernsEnter:
      case StepKind::NetLoopback:
      case StepKind::MountRootfs:
      case StepKind::MountHideRuntime:
      case StepKind::MountPivotRoot:
      case StepKind::ProcessNewSession:
      case StepKind::ProcessCloseFds:
      case StepKind::ProcessCwd:
      case StepKind::CgroupAttach:
      case StepKind::SeccompLoad:
      case StepKind::CapsBounding:
      case StepKind::UserGroups:
      case StepKind::CapsAmbient:
      case StepKind::ProcessInit:
      case StepKind::Supervise:
        return;
    }
  }

  void user(const IdentityParams& id) {
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
  }

  void resources(const CgroupParams& c) {
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
    if (c.io_weight) res["blockIO"]["weight"] = *c.io_weight;
    for (const auto& d : c.io_devices) {
      auto device = [&](const char* key, const char* field, const std::optional<std::int64_t>& v) {
        if (v) res["blockIO"][key].push_back(json{{"major", d.major}, {"minor", d.minor}, {field, *v}});
      };
      device("weightDevice", "weight", d.weight);
      device("throttleReadBpsDevice", "rate", d.read_bps);
      device("throttleWriteBpsDevice", "rate", d.write_bps);
      device("throttleReadIOPSDevice", "rate", d.read_iops);
      device("throttleWriteIOPSDevice", "rate", d.write_iops);
    }
    for (const auto& h : c.hugepages) res["hugepageLimits"].push_back(json{{"pageSize", h.page_size}, {"limit", h.limit}});
    for (const auto& [file, value] : c.unified) res["unified"][file] = value;
    linux_["resources"].update(res);
  }

  void dev(const DevParams& d) {
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
  }

  void entries(const MountsParams& m) {
    for (const auto& e : m.mounts)
      mounts.push_back(
          json{{"destination", e.target}, {"type", e.type}, {"source", e.source}, {"options", mount_options(e)}});
  }
};

}  // namespace

nlohmann::json export_oci(const Plan& plan) {
  OciExport e;
  e.process["noNewPrivileges"] = false;
  e.out["root"] = json{{"path", "rootfs"}, {"readonly", false}};
  for (const auto& step : plan.steps) e.add(step);
  json out = e.out;
  out["process"] = e.process;
  out["mounts"] = e.mounts;
  out["linux"] = e.linux_;
  return out;
}

}  // namespace ringfence::policy
