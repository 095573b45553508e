// What of the host and of other sandboxes the process reaches: host paths
// mounted into it (RF-FS-002), setuid files it could use (RF-FS-006) and a
// network namespace it shares with another sandbox (RF-NET-001). Judged
// from the facts whatever the steps; what the profile asks for is allowed.
#include <algorithm>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "compliance_exposure.h"
#include "ringfence/policy/sensitive_paths.h"

namespace ringfence::audit {
namespace {

using enforcer::Holds;
using enforcer::MountInfo;
using enforcer::Verdict;

bool under(const std::string& path, const std::string& dir) {
  return dir == "/" || path == dir || path.rfind(dir + "/", 0) == 0;
}

// Where a mount comes from on the host: the host mount of the same
// filesystem whose root holds this mount's root, plus the rest of the path.
// None for a filesystem the host has not mounted (the sandbox's own tmpfs,
// proc, mqueue...).
std::optional<std::string> host_path(const MountInfo& m, const std::vector<MountInfo>& host) {
  const MountInfo* best = nullptr;
  for (const auto& h : host) {
    if (h.dev != m.dev || !under(m.root, h.root)) continue;
    if (!best || h.root.size() > best->root.size() ||
        (h.root.size() == best->root.size() && h.mount_point.size() < best->mount_point.size()))
      best = &h;
  }
  if (!best) return std::nullopt;
  const std::string rest = best->root == "/" ? m.root : m.root.substr(best->root.size());
  if (best->mount_point == "/") return rest.empty() ? "/" : rest;
  return rest == "/" || rest.empty() ? best->mount_point : best->mount_point + rest;
}

// Mounts every runtime makes that are not the host's paths handed in: the
// root (the profile's rootfs), a kernel interface at its own place (/proc,
// /sys, /dev from the host's same tree), /dev/null over a masked path, and
// a runtime's per-container files (hosts, resolv.conf, shm) in its state.
bool runtime_mount(const std::string& target, const std::string& source) {
  if (target == "/" || source == "/dev/null") return true;
  for (const char* tree : {"/proc", "/sys", "/dev"})
    if (under(target, tree) && under(source, tree)) return true;
  for (const char* state : {"/var/lib/docker/containers/", "/var/lib/containers/storage/overlay-containers/",
                            "/run/containers/storage/overlay-containers/"})
    if (source.rfind(state, 0) == 0 && source.find('/', std::string(state).size()) != std::string::npos) return true;
  return false;
}

Verdict sensitive_mounts(const policy::Plan& plan, const ProcessFacts& facts) {
  const char* aspect = "host paths";
  std::vector<std::string> allowed_targets;
  if (const auto* v = plan.params<policy::StepKind::MountVolumes>())
    for (const auto& m : v->mounts)
      if (m.type == "bind" && policy::sensitive_host_path(m.source)) allowed_targets.push_back(m.target);
  const std::string expected =
      allowed_targets.empty() ? "no sensitive host path"
                              : fmt::format("none but the profile's volumes at {}", fmt::join(allowed_targets, ", "));
  const auto ns = facts.namespaces.find("mnt");
  if (!facts.mounts || !facts.host_mounts || ns == facts.namespaces.end() || !ns->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Unknown, "mountinfo of the process or of the host unreadable", expected};
  if (*ns->second.shared_with_host) {
    const auto* create = plan.params<policy::StepKind::NamespacesCreate>();
    const bool plan_private = create && create->mount;
    return {std::nullopt, aspect, plan_private ? Holds::No : Holds::Yes,
            "the host's mount namespace: every host path is there",
            plan_private ? expected : "any (the profile keeps the host's mount namespace)"};
  }
  // On the host's root the profile's rootfs is the host's own directories,
  // each at its own place (mount.rootfs's host_paths).
  std::vector<std::string> host_view;
  if (const auto* root = plan.params<policy::StepKind::MountRootfs>(); root && root->host_root)
    host_view = root->host_paths;
  auto in_host_view = [&host_view](const std::string& target, const std::string& source) {
    return source == target &&
           std::any_of(host_view.begin(), host_view.end(), [&](const std::string& p) { return under(target, p); });
  };
  std::vector<std::string> allowed_seen;
  for (const auto& m : *facts.mounts) {
    const auto source = host_path(m, *facts.host_mounts);
    if (!source || runtime_mount(m.mount_point, *source) || in_host_view(m.mount_point, *source)) continue;
    const auto why = policy::sensitive_host_path(*source);
    if (!why) continue;
    const std::string seen = fmt::format("{} on {}", *source, m.mount_point);
    if (std::find(allowed_targets.begin(), allowed_targets.end(), m.mount_point) == allowed_targets.end())
      return {std::nullopt, aspect, Holds::No, fmt::format("{}: {}", seen, *why), expected};
    allowed_seen.push_back(seen);
  }
  return {std::nullopt, aspect, Holds::Yes,
          allowed_seen.empty() ? fmt::format("no sensitive host path among {} mounts", facts.mounts->size())
                               : fmt::format("{} (the profile's volumes)", fmt::join(allowed_seen, ", ")),
          expected};
}

// Setuid files only matter where exec honours them: a thread without
// no_new_privs, and a mount without nosuid.
Verdict usable_suid(const policy::Plan& plan, const ProcessFacts& facts) {
  const char* aspect = "setuid";
  const bool plan_allows = !plan.has(policy::StepKind::ProcessNoNewPrivileges) && !plan.has(policy::StepKind::SuidStrip);
  const std::string expected = plan_allows ? "any (the profile neither sets no_new_privs nor strips setuid files)"
                                           : "no setuid file usable";
  if (facts.threads.empty()) return {std::nullopt, aspect, Holds::Unknown, "no thread could be read", expected};
  std::optional<pid_t> without_nnp;
  for (const auto& t : facts.threads) {
    if (!t.no_new_privs)
      return {std::nullopt, aspect, Holds::Unknown, fmt::format("NoNewPrivs not exposed for tid {}", t.tid), expected};
    if (*t.no_new_privs == 0 && !without_nnp) without_nnp = t.tid;
  }
  if (!without_nnp)
    return {std::nullopt, aspect, Holds::Yes, "NoNewPrivs=1 on every thread: exec ignores setuid bits", expected};
  if (!facts.mounts)
    return {std::nullopt, aspect, Holds::Unknown, "NoNewPrivs=0 and mountinfo unreadable", expected};
  std::vector<std::string> suid_mounts;
  for (const auto& m : *facts.mounts)
    if (!m.has_option("nosuid")) suid_mounts.push_back(m.mount_point);
  if (suid_mounts.empty())
    return {std::nullopt, aspect, Holds::Yes,
            fmt::format("NoNewPrivs=0 on tid {}, but every mount is nosuid", *without_nnp), expected};
  const std::string observed =
      fmt::format("NoNewPrivs=0 on tid {} and mounts without nosuid: {}", *without_nnp, fmt::join(suid_mounts, ", "));
  if (plan_allows) return {std::nullopt, aspect, Holds::Yes, observed, expected};
  return {std::nullopt, aspect, Holds::Unknown, observed + "; the files under them are not searched", expected};
}

Verdict shared_network(const policy::Plan& plan, const ProcessFacts& facts) {
  const char* aspect = "net shared";
  bool joins = false;
  if (const auto* join = plan.params<policy::StepKind::NamespacesJoin>())
    for (const auto& j : join->joins) joins = joins || j.kind == "net";
  const std::string expected =
      joins ? "shared with the sandbox the profile joins" : "no other sandbox's process in its network namespace";
  const auto ns = facts.namespaces.find("net");
  if (ns == facts.namespaces.end() || !ns->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Unknown, "/proc/PID/ns/net unreadable", expected};
  if (*ns->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Yes, "the host's network namespace (RF-NS-003 judges it)", expected};
  if (!facts.net_peers)
    return {std::nullopt, aspect, Holds::Unknown, "the other processes' namespaces could not be read", expected};
  if (facts.net_peers->empty())
    return {std::nullopt, aspect, Holds::Yes,
            fmt::format("{}: no process of another cgroup in it", ns->second.id), expected};
  return {std::nullopt, aspect, joins ? Holds::Yes : Holds::No,
          fmt::format("{} shared with {}", ns->second.id, fmt::join(*facts.net_peers, ", ")), expected};
}

}  // namespace

void host_view_verdicts(const policy::Plan& plan, const ProcessFacts& facts, ControlVerdicts& out) {
  out.emplace_back("RF-FS-002", sensitive_mounts(plan, facts));
  out.emplace_back("RF-FS-006", usable_suid(plan, facts));
  out.emplace_back("RF-NET-001", shared_network(plan, facts));
}

}  // namespace ringfence::audit
