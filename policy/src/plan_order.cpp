// THE ORDER OF ENFORCEMENT.
//
// This table is the one place that decides in which order a sandbox is set
// up; docs/plan.md explains it row by row and tests/unit/plan_order_test.cpp
// holds it to the rules of ../shared/SECURITY-LESSONS.md. Each row names a
// step, the phase it runs in, why it sits where it does, and a builder that
// returns its parameters — or nothing when the profile does not need the
// step. A step name may appear in two rows when its place depends on the
// profile (seccomp and Landlock come before the privilege drop when
// no_new_privileges is off); at most one of them builds.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "compile_context.h"
#include "ringfence/policy/defaults.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

// A row of the table: the kind, its phase, and what makes its step (or
// nothing, when the profile does not need it).
struct Row {
  StepKind kind;
  Phase phase;
  std::function<std::optional<Step>(const CompileContext&)> build;
};

// A row whose builder returns the parameters of kind K (or nullopt): any
// other type is a compile error, so a step's parameters always match its
// kind.
template <StepKind K, class F>
Row row(Phase phase, const char* reason, F build) {
  return Row{K, phase, [phase, reason, build](const CompileContext& c) -> std::optional<Step> {
               std::optional<ParamsOf<K>> params = build(c);
               if (!params) return std::nullopt;
               return Step::make<K>(phase, std::move(*params), reason);
             }};
}

// The builder's return type for kind K.
#define RF_PARAMS(kind) std::optional<ParamsOf<StepKind::kind>>

constexpr std::nullopt_t none() { return std::nullopt; }
NoParams always() { return NoParams{}; }

std::vector<std::string> values(const StringList& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.value);
  return out;
}

// ---- builders ---------------------------------------------------------------------

// Root always gives a sandbox a cgroup (limits, device rules, accounting).
// Without root a cgroup can only exist where one is delegated: a rootless
// sandbox gets one when it asks for limits, and fails closed if it cannot;
// its devices are kept out by the user namespace (no mknod, no host nodes).
bool wants_cgroup(const CompileContext& ctx) {
  if (!ctx.options.rootless) return true;
  const auto& r = ctx.p.resources;
  return r.memory.is_set() || r.memory_swap.is_set() || r.memory_reservation.is_set() || r.cpus.is_set() ||
         r.cpu_shares.is_set() || r.cpuset.is_set() || r.cpuset_mems.is_set() || r.pids_limit.is_set() ||
         r.io_weight.is_set() || !r.io_devices.empty() || !r.hugepages.empty() || !r.unified.value.empty();
}

}  // namespace

void add_io_limits(const ResourcesSection& r, CgroupParams& c) {
  if (r.io_weight.is_set()) c.io_weight = r.io_weight.value;
  // One entry per device, in the order devices first appear; each limit
  // from the last layer that sets it.
  for (const auto& e : r.io_devices.items) {
    auto same = [&](const IoDeviceLimit& d) { return d.major == e.major.value && d.minor == e.minor.value; };
    auto it = std::find_if(c.io_devices.begin(), c.io_devices.end(), same);
    if (it == c.io_devices.end()) it = c.io_devices.insert(c.io_devices.end(), {.major = e.major.value, .minor = e.minor.value});
    auto put = [](const Setting<std::int64_t>& s, std::optional<std::int64_t>& out) {
      if (s.is_set()) out = s.value;
    };
    auto rate = [](const Setting<ByteSize>& s, std::optional<std::int64_t>& out) {
      if (s.is_set()) out = s.value.bytes;
    };
    put(e.weight, it->weight);
    rate(e.read_bps, it->read_bps);
    rate(e.write_bps, it->write_bps);
    put(e.read_iops, it->read_iops);
    put(e.write_iops, it->write_iops);
  }
}

void add_hugepage_limits(const ResourcesSection& r, CgroupParams& c) {
  // One entry per size, in the order sizes first appear; the last layer
  // that names a size sets its limit.
  for (const auto& e : r.hugepages.items) {
    auto it = std::find_if(c.hugepages.begin(), c.hugepages.end(),
                           [&](const HugepageLimit& h) { return h.page_size == e.page_size.value; });
    if (it == c.hugepages.end()) it = c.hugepages.insert(c.hugepages.end(), {.page_size = e.page_size.value});
    it->limit = e.limit.value.bytes;
  }
}

namespace {

std::optional<CgroupParams> cgroup_params(const CompileContext& ctx) {
  const auto& r = ctx.p.resources;
  CgroupParams c;
  auto bytes = [](const Setting<ByteSize>& s) -> std::optional<std::int64_t> {
    if (!s.is_set()) return std::nullopt;
    return s.value.unlimited ? -1 : s.value.bytes;
  };
  c.memory = bytes(r.memory);
  c.memory_swap = bytes(r.memory_swap);
  c.memory_reservation = bytes(r.memory_reservation);
  if (r.cpus.is_set()) {
    // Docker's --cpus: a quota over a 100 ms period.
    c.cpu_period_us = 100000;
    c.cpu_quota_us = static_cast<std::int64_t>(r.cpus.value.cpus * 100000.0 + 0.5);
  }
  if (r.cpu_shares.is_set()) c.cpu_shares = r.cpu_shares.value;
  if (r.cpuset.is_set()) c.cpuset_cpus = r.cpuset.value;
  if (r.cpuset_mems.is_set()) c.cpuset_mems = r.cpuset_mems.value;
  if (r.pids_limit.is_set()) c.pids_limit = r.pids_limit.value;
  add_io_limits(r, c);
  add_hugepage_limits(r, c);
  for (const auto& [file, value] : r.unified.value) c.unified[file] = value.value;
  return c;
}

// Docker's default device cgroup: deny all, then the standard nodes, ptys,
// and mknod of any node (creating one does not grant opening it).
std::optional<DeviceCgroupParams> device_rules(const CompileContext& ctx) {
  DeviceCgroupParams d;
  if (ctx.privileged) {
    d.rules.push_back({true, 'a', -1, -1, "rwm"});
    return d;
  }
  d.rules.push_back({false, 'a', -1, -1, "rwm"});
  d.rules.push_back({true, 'c', -1, -1, "m"});
  d.rules.push_back({true, 'b', -1, -1, "m"});
  for (auto [major, minor] : {std::pair{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}})
    d.rules.push_back({true, 'c', major, minor, "rwm"});
  d.rules.push_back({true, 'c', 136, -1, "rwm"});  // /dev/pts/*
  // A later layer's entry for the same node path replaces an earlier one,
  // so a profile can narrow what it inherits.
  std::vector<const DeviceEntry*> entries;
  for (const auto& e : ctx.p.devices.allow.items) {
    auto same = std::find_if(entries.begin(), entries.end(), [&](const DeviceEntry* x) {
      return e.path.is_set() && x->path.is_set() && x->path.value == e.path.value;
    });
    if (same != entries.end()) *same = &e;
    else entries.push_back(&e);
  }
  for (const DeviceEntry* e : entries) {
    DeviceRule rule{true, e->type.value.empty() ? 'a' : e->type.value[0], e->major.value.value, e->minor.value.value,
                    e->access.is_set() ? e->access.value : "rwm"};
    if (rule.type == 'a') rule.major = rule.minor = -1;
    d.rules.push_back(rule);
  }
  return d;
}

std::optional<DeviceNodesParams> device_nodes(const CompileContext& ctx) {
  if (ctx.privileged) return std::nullopt;  // privileged binds the host's /dev instead (mount.dev)
  DeviceNodesParams n;
  for (const auto& e : ctx.p.devices.allow.items) {
    if (!e.path.is_set()) continue;
    DeviceNode node{e.path.value, e.type.value.empty() ? 'c' : e.type.value[0],
                    static_cast<std::uint32_t>(e.major.value.value), static_cast<std::uint32_t>(e.minor.value.value),
                    e.mode.is_set() ? e.mode.value.bits : 0666};
    // A later layer's entry for the same path replaces an earlier one.
    auto same = std::find_if(n.nodes.begin(), n.nodes.end(), [&](const DeviceNode& d) { return d.path == node.path; });
    if (same != n.nodes.end()) *same = node;
    else n.nodes.push_back(node);
  }
  if (n.nodes.empty()) return std::nullopt;
  return n;
}

std::optional<UserNsParams> userns_params(const CompileContext& ctx) {
  if (!ctx.userns) return std::nullopt;
  const auto& ns = ctx.p.user.ns;
  UserNsParams u;
  u.automatic = ns.automatic.value || (!ns.uid_map.is_set() && !ns.gid_map.is_set());
  auto convert = [](const std::vector<IdMapEntry>& entries) {
    std::vector<IdMapping> out;
    for (const auto& e : entries)
      out.push_back({static_cast<std::uint32_t>(e.inside.value), static_cast<std::uint32_t>(e.outside.value),
                     static_cast<std::uint32_t>(e.count.value)});
    return out;
  };
  u.uid_map = convert(ns.uid_map.value);
  u.gid_map = convert(ns.gid_map.value);
  u.deny_setgroups = ns.setgroups.value != "allow";
  u.rootless = ctx.options.rootless;
  if (u.rootless) u.deny_setgroups = !ns.setgroups.is_set() || ns.setgroups.value != "allow";
  return u;
}

std::optional<RlimitsParams> rlimits_params(const CompileContext& ctx) {
  if (ctx.p.rlimits.value.empty()) return std::nullopt;
  RlimitsParams r;
  for (const auto& [name, v] : ctx.p.rlimits.value)
    if (auto res = rlimit_resource(name)) r.limits.push_back({name, *res, v.value.soft, v.value.hard});
  return r;
}

std::optional<RootfsParams> rootfs_params(const CompileContext& ctx) {
  RootfsParams r;
  r.host_root = ctx.host_root;
  r.path = ctx.host_root ? "" : ctx.options.rootfs;
  if (ctx.host_root) r.host_paths = host_view_paths();
  if (!ctx.host_root) {
    r.image = ctx.options.image;
    r.image_store = ctx.options.image_store;
    r.image_upper = ctx.options.image_upper;
  }
  r.nosuid = ctx.p.suid.nosuid.value && !ctx.privileged;
  r.nodev = !ctx.privileged;
  return r;
}

// The file context a :z (shared) or :Z (private) source gets, as Docker's
// label.Relabel: container_file_t, at s0 when shared, at the sandbox's own
// level when private. ringfence allocates no MCS categories of its own, so
// "private" is only private with a profile that sets selinux.level.
std::string relabel_context(const CompileContext& ctx, const std::string& mode) {
  const auto& s = ctx.p.selinux;
  const std::string level = mode == "private" && s.level.is_set() ? s.level.value : "s0";
  return "system_u:object_r:container_file_t:" + level;
}

std::optional<MountsParams> volume_params(const CompileContext& ctx) {
  MountsParams m;
  for (const auto& v : ctx.p.filesystem.volumes.items) {
    MountEntry e;
    e.source = v.source.value;
    e.target = v.target.value;
    e.type = "bind";
    e.readonly = v.readonly.value;
    e.nosuid = v.nosuid.is_set() ? v.nosuid.value : ctx.p.suid.nosuid.value;
    e.nodev = v.nodev.is_set() ? v.nodev.value : true;
    e.noexec = v.noexec.value;
    e.recursive = v.recursive.is_set() ? v.recursive.value : true;
    e.exact = v.exact;
    e.create_source = v.create;
    if (v.relabel.is_set()) e.relabel = relabel_context(ctx, v.relabel.value);
    auto same = std::find_if(m.mounts.begin(), m.mounts.end(), [&](const MountEntry& x) { return x.target == e.target; });
    if (same != m.mounts.end()) *same = e;
    else m.mounts.push_back(e);
  }
  if (m.mounts.empty()) return std::nullopt;
  return m;
}

std::optional<MountsParams> tmpfs_params(const CompileContext& ctx) {
  MountsParams m;
  bool tmp = false;
  for (const auto& t : ctx.p.filesystem.tmpfs.items) {
    MountEntry e;
    e.source = "tmpfs";
    e.target = t.path.value;
    e.type = "tmpfs";
    e.nosuid = t.nosuid.is_set() ? t.nosuid.value : true;
    e.nodev = t.nodev.is_set() ? t.nodev.value : true;
    e.noexec = t.noexec.is_set() ? t.noexec.value : true;
    e.recursive = false;
    std::vector<std::string> data;
    if (t.size.is_set() && !t.size.value.unlimited) data.push_back(fmt::format("size={}", t.size.value.bytes));
    data.push_back(fmt::format("mode={:o}", t.mode.is_set() ? t.mode.value.bits : (e.target == "/tmp" ? 01777 : 0755)));
    e.data = fmt::format("{}", fmt::join(data, ","));
    tmp = tmp || e.target == "/tmp";
    auto same = std::find_if(m.mounts.begin(), m.mounts.end(), [&](const MountEntry& x) { return x.target == e.target; });
    if (same != m.mounts.end()) *same = e;
    else m.mounts.push_back(e);
  }
  // On the host's root, /tmp is always private: the sandbox must not see or
  // leave files in the host's /tmp.
  if (ctx.host_root && !tmp)
    m.mounts.push_back({"tmpfs", "/tmp", "tmpfs", false, true, true, true, false, "mode=1777"});
  if (m.mounts.empty()) return std::nullopt;
  return m;
}

std::optional<DevParams> dev_params(const CompileContext& ctx) {
  DevParams d;
  d.host = ctx.privileged;
  d.nodes = {{"/dev/null", 'c', 1, 3, 0666},    {"/dev/zero", 'c', 1, 5, 0666}, {"/dev/full", 'c', 1, 7, 0666},
             {"/dev/random", 'c', 1, 8, 0666},  {"/dev/urandom", 'c', 1, 9, 0666}, {"/dev/tty", 'c', 5, 0, 0666}};
  const std::string& ipc = ctx.p.ipc.mode.value;
  d.shm = ipc != "none";
  d.shm_size = ctx.p.ipc.shm_size.value.bytes;
  d.mqueue = ctx.namespaces.ipc;  // an mqueue mount belongs to an IPC namespace of our own
  return d;
}

std::optional<PathsParams> paths(const StringList& list, bool skip) {
  if (skip || list.empty()) return std::nullopt;
  return PathsParams{values(list)};
}

std::optional<AppArmorParams> apparmor_params(const CompileContext& ctx) {
  const auto& a = ctx.p.apparmor;
  if (ctx.privileged || !a.profile.is_set() || a.profile.value == "unconfined") {
    if (a.generate.value && !a.profile.is_set() && !ctx.privileged) {
      const std::string& name = ctx.p.profile.name.value;
      return AppArmorParams{"ringfence-" + (name.empty() ? std::string("profile") : name), true,
                            values(a.rules.value), a.optional.value};
    }
    return std::nullopt;
  }
  return AppArmorParams{a.profile.value, a.generate.value, values(a.rules.value), a.optional.value};
}

std::optional<SELinuxParams> selinux_params(const CompileContext& ctx) {
  const auto& s = ctx.p.selinux;
  if (ctx.privileged || s.disable.value) return std::nullopt;
  if (!s.user.is_set() && !s.role.is_set() && !s.type.is_set() && !s.level.is_set()) return std::nullopt;
  // Docker's label=user:U,role:R,type:T,level:L fills in the parts given
  // over the container's default context.
  const std::string label = fmt::format("{}:{}:{}:{}", s.user.is_set() ? s.user.value : "system_u",
                                        s.role.is_set() ? s.role.value : "system_r",
                                        s.type.is_set() ? s.type.value : "container_t",
                                        s.level.is_set() ? s.level.value : "s0");
  return SELinuxParams{label, s.optional.value};
}

std::optional<LandlockParams> landlock_params(const CompileContext& ctx) {
  const auto& l = ctx.p.landlock;
  const bool any = !l.read_only.value.empty() || !l.read_write.value.empty() || !l.execute.value.empty();
  const bool enabled = l.enabled.is_set() ? l.enabled.value : any;
  if (!enabled || ctx.privileged) return std::nullopt;
  return LandlockParams{values(l.read_only.value), values(l.read_write.value), values(l.execute.value),
                        l.optional.value};
}

std::optional<IdentityParams> identity_params(const CompileContext& ctx) {
  const auto& u = ctx.p.user;
  IdentityParams id;
  if (u.user.is_set()) {
    const auto colon = u.user.value.find(':');
    id.user = u.user.value.substr(0, colon);
    if (colon != std::string::npos) id.group = u.user.value.substr(colon + 1);
  } else {
    id.user = u.uid.is_set() ? std::to_string(u.uid.value) : "0";
  }
  if (u.gid.is_set()) id.group = std::to_string(u.gid.value);
  id.groups = values(u.groups.value);
  return id;
}

std::optional<ExecParams> exec_params(const CompileContext& ctx) {
  ExecParams e;
  for (const auto& [k, v] : ctx.p.process.env.value) e.env[k] = v.value;
  e.cwd = ctx.p.process.cwd.value;
  e.umask = ctx.p.process.umask.value.bits;
  return e;
}

std::optional<SuperviseParams> supervise_params(const CompileContext& ctx) {
  SuperviseParams s;
  if (ctx.seccomp) {
    const auto& f = *ctx.seccomp;
    s.seccomp_notify = f.learn || f.default_action.kind == SeccompActionKind::Notify ||
                       f.default_action.kind == SeccompActionKind::Log;
    for (const auto& r : f.rules)
      s.seccomp_notify = s.seccomp_notify || r.action.kind == SeccompActionKind::Notify ||
                         r.action.kind == SeccompActionKind::Log;
  }
  const auto& r = ctx.p.resources;
  s.oom = r.memory.is_set() && !r.memory.value.unlimited;
  s.pids = r.pids_limit.is_set() && r.pids_limit.value > 0;
  if (!s.seccomp_notify && !s.oom && !s.pids) return std::nullopt;
  return s;
}

const std::vector<Row>& rows() {
  static const std::vector<Row> table = {
      // ---- parent, before the sandbox's first process exists -------------------------
      row<StepKind::ImageVerify>(Phase::ParentBeforeClone,
       "The rootfs must be the approved one before anything is built on it.",
       [](const CompileContext& c) -> RF_PARAMS(ImageVerify) {
         if (!c.p.image.digest.is_set()) return none();
         return ImageParams{c.p.image.digest.value};
       }),
      row<StepKind::SeccompCompile>(Phase::ParentBeforeClone,
       "Compile the filter to BPF before any process exists, so a filter that is invalid or too long fails "
       "before anything was changed; the child only loads the finished program.",
       [](const CompileContext& c) -> RF_PARAMS(SeccompCompile) {
         if (!c.seccomp) return none();
         return *c.seccomp;
       }),
      row<StepKind::ApparmorCheck>(Phase::ParentBeforeClone,
       "Fail early, in the parent, when the requested AppArmor profile cannot be applied.",
       [](const CompileContext& c) { return apparmor_params(c); }),
      row<StepKind::SelinuxCheck>(Phase::ParentBeforeClone,
       "Fail early when the requested SELinux label cannot be applied.",
       [](const CompileContext& c) { return selinux_params(c); }),
      row<StepKind::LandlockCheck>(Phase::ParentBeforeClone,
       "Detect the kernel's Landlock ABI and fail early (or warn, when optional) if it is missing.",
       [](const CompileContext& c) { return landlock_params(c); }),
      row<StepKind::SuidScan>(Phase::ParentBeforeClone,
       "List the setuid and setgid files of the rootfs before it is used, for the report or the stripped view. "
       "On the host's root mounted nosuid (mount.rootfs) nothing is walked: no bit can take effect there.",
       [](const CompileContext& c) -> RF_PARAMS(SuidScan) {
         if (c.privileged || c.p.suid.strip.value == "off") return none();
         return SuidParams{c.p.suid.strip.value, values(c.p.suid.keep.value)};
       }),
      row<StepKind::UsernsIds>(Phase::ParentBeforeClone,
       "Reserve a block of host ids of ringfence's own (its range in /etc/subuid and /etc/subgid) for this "
       "sandbox alone, checked to overlap no other user's range, so that root inside is nobody outside and no "
       "two sandboxes, and no local user, share an identity.",
       [](const CompileContext& c) -> RF_PARAMS(UsernsIds) {
         if (!c.userns || c.options.rootless) return none();
         // Maps the profile gives are its own choice; only automatic ones
         // (none given) come from ringfence's range.
         const auto& ns = c.p.user.ns;
         if (ns.uid_map.is_set() || ns.gid_map.is_set()) return none();
         return always();
       }),
      row<StepKind::MountSources>(Phase::ParentBeforeClone,
       "Open the root's trees (the host's allowed directories, or --rootfs) and every volume source as detached "
       "mounts with ringfence's own credentials, before any process exists: the sandbox's mapped user may not "
       "reach them (a rootfs under a 0700 directory), each path is resolved once, and each tree gets its flags "
       "(read-only, nosuid, nodev, private) before the sandbox can see it.",
       [](const CompileContext& c) -> RF_PARAMS(MountSources) {
         if (c.options.rootless) return none();  // without root, the child opens them itself
         return always();
       }),
      row<StepKind::CgroupCreate>(Phase::ParentBeforeClone,
       "Create the cgroup with its limits before the program exists, so that it never runs unlimited.",
       [](const CompileContext& c) -> RF_PARAMS(CgroupCreate) {
         if (!wants_cgroup(c)) return none();
         return cgroup_params(c);
       }),
      row<StepKind::DevicesCgroup>(Phase::ParentBeforeClone,
       "Device access is denied by default in the cgroup before the program can open anything.",
       [](const CompileContext& c) -> RF_PARAMS(DevicesCgroup) {
         if (!wants_cgroup(c)) return none();
         return device_rules(c);
       }),
      row<StepKind::NamespacesJoin>(Phase::ParentBeforeClone,
       "Open the namespaces to join (another sandbox's, container:NAME, or a namespace file, ns:PATH) before "
       "cloning, with the caller's credentials and each checked to be a namespace of its kind, so the new process "
       "starts in them.",
       [](const CompileContext& c) -> RF_PARAMS(NamespacesJoin) {
         if (c.joins.empty()) return none();
         return JoinParams{c.joins};
       }),
      // ---- the clone ---------------------------------------------------------------
      row<StepKind::NamespacesCreate>(Phase::Clone,
       "Create every namespace in one clone, the user namespace first, so that the process never exists "
       "outside its isolation.",
       [](const CompileContext& c) -> RF_PARAMS(NamespacesCreate) { return c.namespaces; }),
      // ---- parent, while the child waits --------------------------------------------
      row<StepKind::UsernsMaps>(Phase::ParentAfterClone,
       "The parent writes setgroups and the uid/gid maps: it holds the privileges in the outer namespace "
       "that writing them needs.",
       [](const CompileContext& c) { return userns_params(c); }),
      row<StepKind::ProcessRlimits>(Phase::ParentAfterClone,
       "Set with prlimit from the parent, which still has CAP_SYS_RESOURCE in the initial user namespace; "
       "the child in a new user namespace could not raise a hard limit.",
       [](const CompileContext& c) { return rlimits_params(c); }),
      row<StepKind::ProcessOomScoreAdj>(Phase::ParentAfterClone,
       "Written by the parent for the same reason as rlimits.",
       [](const CompileContext& c) -> RF_PARAMS(ProcessOomScoreAdj) {
         if (!c.p.resources.oom_score_adj.is_set()) return none();
         return OomScoreParams{static_cast<int>(c.p.resources.oom_score_adj.value)};
       }),
      // ---- child, still seeing the host's filesystem --------------------------------
      row<StepKind::ProcessDumpableOff>(Phase::ChildBeforePivot,
       "First thing in the child: a non-dumpable process cannot be reached through /proc/PID by the host's "
       "or the sandbox's processes while it is half set up (CVE-2019-5736).",
       [](const CompileContext&) -> RF_PARAMS(ProcessDumpableOff) { return always(); }),
      row<StepKind::UsernsEnter>(Phase::ChildBeforePivot,
       "Cloned by root, the child is still the host's uid 0, which its new user namespace does not map: it "
       "becomes that namespace's root (as the maps just written define it) before any step that creates files "
       "or mounts.",
       [](const CompileContext& c) -> RF_PARAMS(UsernsEnter) {
         if (!c.userns) return none();
         return always();
       }),
      row<StepKind::NetLoopback>(Phase::ChildBeforePivot,
       "A new network namespace has only a loopback interface, and it starts down: bring it up while "
       "CAP_NET_ADMIN is still held, so that \"no network but loopback\" includes loopback.",
       [](const CompileContext& c) -> RF_PARAMS(NetLoopback) {
         if (!c.namespaces.net) return none();
         return always();
       }),
      row<StepKind::MountPropagation>(Phase::ChildBeforePivot,
       "Make every mount private before mounting anything, so that no mount reaches the host.",
       [](const CompileContext&) -> RF_PARAMS(MountPropagation) { return PropagationParams{}; }),
      row<StepKind::MountRootfs>(Phase::ChildBeforePivot,
       "Attach the root: --rootfs, nosuid and nodev; or, on the host's root, an empty tmpfs holding only the "
       "allowed host directories, read-only. The tree every later mount is resolved inside.",
       [](const CompileContext& c) { return rootfs_params(c); }),
      row<StepKind::SuidStrip>(Phase::ChildBeforePivot,
       "Lay the view without setuid bits over the root before volumes are mounted on top of it; on the host's "
       "root mounted nosuid, nothing to lay (suid.scan).",
       [](const CompileContext& c) -> RF_PARAMS(SuidStrip) {
         if (c.privileged || c.p.suid.strip.value != "strip") return none();
         return SuidParams{"strip", values(c.p.suid.keep.value)};
       }),
      row<StepKind::MountVolumes>(Phase::ChildBeforePivot,
       "Bind volumes with their flags, each target resolved inside the root (openat2 RESOLVE_IN_ROOT: a symlink "
       "in the root cannot lead out of it) and mounted through its descriptor (CVE-2021-30465).",
       [](const CompileContext& c) { return volume_params(c); }),
      row<StepKind::MountTmpfs>(Phase::ChildBeforePivot, "Private tmpfs mounts, nosuid, nodev and noexec unless asked otherwise.",
       [](const CompileContext& c) { return tmpfs_params(c); }),
      row<StepKind::MountProc>(Phase::ChildBeforePivot,
       "A fresh /proc of the sandbox's PID namespace, mounted nosuid, nodev, noexec (nsjail #283).",
       [](const CompileContext&) -> RF_PARAMS(MountProc) { return ProcParams{}; }),
      row<StepKind::MountDev>(Phase::ChildBeforePivot,
       "A tmpfs /dev with only the standard nodes, ptys, /dev/shm and mqueue: the host's devices never appear.",
       [](const CompileContext& c) { return dev_params(c); }),
      row<StepKind::DevicesNodes>(Phase::ChildBeforePivot, "The device nodes the profile allows, after /dev exists.",
       [](const CompileContext& c) { return device_nodes(c); }),
      row<StepKind::MountSys>(Phase::ChildBeforePivot,
       "/sys and the cgroup tree read-only: no release_agent or other kernel knob is writable (CVE-2022-0492).",
       [](const CompileContext& c) -> RF_PARAMS(MountSys) { return SysParams{!c.privileged, true}; }),
      row<StepKind::MountHideRuntime>(Phase::ChildBeforePivot,
       "On the host's root the ringfence binary would be visible inside; cover it so that it can be neither "
       "read nor replaced from the sandbox (CVE-2019-5736).",
       [](const CompileContext& c) -> RF_PARAMS(MountHideRuntime) {
         if (!c.host_root) return none();
         return always();
       }),
      row<StepKind::MountPivotRoot>(Phase::ChildBeforePivot,
       "pivot_root into the new root and detach the old one; chroot alone can be escaped.",
       [](const CompileContext&) -> RF_PARAMS(MountPivotRoot) { return always(); }),
      // ---- child, inside its own root -------------------------------------------------
      row<StepKind::MountMaskedPaths>(Phase::ChildAfterPivot,
       "Cover sensitive /proc and /sys files after /proc exists in the new root; /dev/null is checked to be "
       "the real character device before it is used (CVE-2025-31133).",
       [](const CompileContext& c) { return paths(c.p.filesystem.masked_paths.value, c.privileged); }),
      row<StepKind::MountReadonlyPaths>(Phase::ChildAfterPivot, "Make kernel tunables under /proc read-only.",
       [](const CompileContext& c) { return paths(c.p.filesystem.readonly_paths.value, c.privileged); }),
      row<StepKind::MountReadonlyRoot>(Phase::ChildAfterPivot,
       "Remount the root read-only last, after every mount point on it was created.",
       [](const CompileContext& c) -> RF_PARAMS(MountReadonlyRoot) {
         if (!c.host_root && !c.p.filesystem.readonly_root.value) return none();
         return always();
       }),
      row<StepKind::UtsHostname>(Phase::ChildAfterPivot, "Set the host name in the sandbox's own UTS namespace.",
       [](const CompileContext& c) -> RF_PARAMS(UtsHostname) {
         if (!c.namespaces.uts) return none();
         return HostnameParams{c.p.process.hostname.value};
       }),
      row<StepKind::NamespacesTime>(Phase::ChildAfterPivot,
       "A time namespace can only be made by unshare, and its clocks' offsets set before any process is in it: "
       "the child makes it here, while it holds CAP_SYS_ADMIN, writes the offsets, and the program enters it at "
       "its exec.",
       [](const CompileContext& c) -> RF_PARAMS(NamespacesTime) {
         if (!c.namespaces.time) return none();
         const auto& n = c.p.namespaces;
         return TimeNamespaceParams{n.time_offset_monotonic.value, n.time_offset_boottime.value};
       }),
      row<StepKind::ApparmorExecLabel>(Phase::ChildAfterPivot,
       "Ask for the AppArmor profile at exec, through a /proc verified to be procfs (CVE-2019-16884), while "
       "no filter can yet block the write.",
       [](const CompileContext& c) { return apparmor_params(c); }),
      row<StepKind::SelinuxExecLabel>(Phase::ChildAfterPivot,
       "Set the SELinux exec context for the same reasons as AppArmor.",
       [](const CompileContext& c) { return selinux_params(c); }),
      row<StepKind::ProcessNewSession>(Phase::ChildAfterPivot,
       "setsid: the program gets no controlling terminal, so it cannot push keystrokes into the caller's with "
       "TIOCSTI (CVE-2017-5226); signals from the terminal still reach it through the supervisor.",
       [](const CompileContext&) -> RF_PARAMS(ProcessNewSession) { return always(); }),
      row<StepKind::ProcessCloseFds>(Phase::ChildAfterPivot,
       "Every descriptor but 0-2 is closed or close-on-exec, so no host directory or socket leaks in "
       "(CVE-2024-21626).",
       [](const CompileContext&) -> RF_PARAMS(ProcessCloseFds) { return always(); }),
      row<StepKind::ProcessCwd>(Phase::ChildAfterPivot,
       "chdir, then check that the working directory is inside the new root (CVE-2024-21626).",
       [](const CompileContext& c) -> RF_PARAMS(ProcessCwd) { return CwdParams{c.p.process.cwd.value}; }),
      // ---- parent, while the child builds its root --------------------------------
      row<StepKind::CgroupAttach>(Phase::ParentWhileChild,
       "Moving another process into a cgroup waits for an RCU grace period (5-14 ms here), so on cgroup v1 "
       "the child moves itself first thing (a lone thread moving itself skips that wait) and on v2 the clone "
       "places it; the parent's part waits for nothing, and the child passes its privilege drop only after the "
       "parent's go, so the init and the program start inside the cgroup, its limits and its device rules.",
       [](const CompileContext& c) -> RF_PARAMS(CgroupAttach) {
         if (!wants_cgroup(c)) return none();
         return always();
       }),
      // ---- child, dropping privileges ------------------------------------------------
      row<StepKind::SeccompLoad>(Phase::ChildBeforeExec,
       "Without no_new_privileges only CAP_SYS_ADMIN may load a filter, so it is loaded before the privilege "
       "drop; the compiler checked that it allows the drop's own syscalls.",
       [](const CompileContext& c) -> RF_PARAMS(SeccompLoad) {
         if (!c.seccomp || c.nnp) return none();
         return *c.seccomp;
       }),
      row<StepKind::LandlockRestrict>(Phase::ChildBeforeExec,
       "Without no_new_privileges Landlock also needs CAP_SYS_ADMIN, so it too comes before the drop.",
       [](const CompileContext& c) -> RF_PARAMS(LandlockRestrict) {
         if (c.nnp) return none();
         return landlock_params(c);
       }),
      row<StepKind::CapsBounding>(Phase::ChildBeforeExec,
       "Shrink the bounding set first, while CAP_SETPCAP is still held.",
       [](const CompileContext& c) -> RF_PARAMS(CapsBounding) { return c.caps; }),
      row<StepKind::UserGroups>(Phase::ChildBeforeExec,
       "Set (or clear) the supplementary groups before the uid changes, or root's groups would stay.",
       [](const CompileContext& c) { return identity_params(c); }),
      row<StepKind::UserIds>(Phase::ChildBeforeExec,
       "setresgid then setresuid, with keep-caps so that the capabilities to keep survive the change.",
       [](const CompileContext& c) { return identity_params(c); }),
      row<StepKind::CapsSets>(Phase::ChildBeforeExec,
       "capset the permitted, effective and inheritable sets (inheritable empty unless ambient needs it, "
       "CVE-2022-29162), then clear keep-caps.",
       [](const CompileContext& c) -> RF_PARAMS(CapsSets) { return c.caps; }),
      row<StepKind::CapsAmbient>(Phase::ChildBeforeExec,
       "Raise ambient capabilities last: they need the permitted and inheritable sets in place.",
       [](const CompileContext& c) -> RF_PARAMS(CapsAmbient) {
         if (c.caps.ambient == 0) return none();
         return c.caps;
       }),
      row<StepKind::ProcessNoNewPrivileges>(Phase::ChildBeforeExec,
       "no_new_privs before Landlock and seccomp, which need it, and so that setuid files grant nothing.",
       [](const CompileContext& c) -> RF_PARAMS(ProcessNoNewPrivileges) {
         if (!c.nnp) return none();
         return NoNewPrivsParams{};
       }),
      row<StepKind::LandlockRestrict>(Phase::ChildBeforeExec,
       "Landlock after no_new_privs (which it requires) and before seccomp (which would deny its syscalls).",
       [](const CompileContext& c) -> RF_PARAMS(LandlockRestrict) {
         if (!c.nnp) return none();
         return landlock_params(c);
       }),
      row<StepKind::SeccompLoad>(Phase::ChildBeforeExec,
       "Last before exec: every step before it may use any syscall; the compiler checked that the filter "
       "allows the exec itself.",
       [](const CompileContext& c) -> RF_PARAMS(SeccompLoad) {
         if (!c.seccomp || !c.nnp) return none();
         return *c.seccomp;
       }),
      row<StepKind::ProcessInit>(Phase::ChildBeforeExec,
       "A minimal PID 1 that reaps zombies and forwards signals: ringfence-exec, a few kilobytes of static code "
       "(not a copy of ringfence), started by process.exec after every restriction so that it holds no more "
       "privilege than the program.",
       [](const CompileContext& c) -> RF_PARAMS(ProcessInit) {
         if (!c.p.process.init.value || !c.namespaces.pid) return none();
         return always();
       }),
      row<StepKind::ProcessExec>(Phase::ChildBeforeExec,
       "Exec the program by a descriptor opened and checked beforehand, through ringfence-exec run from a sealed "
       "memfd: the ringfence binary is never what the program's exec (or its #! interpreter) runs from "
       "(CVE-2019-5736).",
       [](const CompileContext& c) { return exec_params(c); }),
      // ---- supervisor ---------------------------------------------------------------
      row<StepKind::Supervise>(Phase::Supervisor,
       "ringfence stays alive without the program's privileges: it answers seccomp notifications and watches "
       "the cgroup for OOM kills and pids-limit hits.",
       [](const CompileContext& c) { return supervise_params(c); }),
  };
  return table;
}

}  // namespace

std::vector<Step> build_steps(const CompileContext& ctx) {
  std::vector<Step> steps;
  for (const auto& row : rows())
    if (auto step = row.build(ctx)) steps.push_back(std::move(*step));
  return steps;
}

std::vector<std::pair<std::string, std::string>> plan_order_rows() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : rows()) out.emplace_back(step_name(row.kind), phase_name(row.phase));
  return out;
}

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::ParentBeforeClone: return "parent-before-clone";
    case Phase::Clone: return "clone";
    case Phase::ParentAfterClone: return "parent-after-clone";
    case Phase::ChildBeforePivot: return "child-before-pivot";
    case Phase::ChildAfterPivot: return "child-after-pivot";
    case Phase::ParentWhileChild: return "parent-while-child";
    case Phase::ChildBeforeExec: return "child-before-exec";
    case Phase::Supervisor: return "supervisor";
  }
  return "?";
}

const Step* Plan::find(StepKind kind) const {
  for (const auto& s : steps)
    if (s.kind() == kind) return &s;
  return nullptr;
}

}  // namespace ringfence::policy
