// Namespaces and network: which of the host's namespaces the program shares,
// and what its user namespace maps root to. Judged on the plan's
// namespaces.create and namespaces.join steps.
#include <linux/capability.h>

#include <fmt/core.h>

#include "context.h"

namespace ringfence::lint {
namespace {

bool joins(const Context& c, std::string_view kind, std::string* container = nullptr) {
  if (const auto* j = c.plan.params<policy::StepKind::NamespacesJoin>())
    for (const auto& join : j->joins)
      if (join.kind == kind) {
        // Joined by path: named by the file (it may be anyone's namespace).
        if (container) *container = join.path.empty() ? "sandbox '" + join.container + "'" : join.path;
        return true;
      }
  return false;
}

// A namespace is the host's when the plan neither creates nor joins one.
bool host(const Context& c, bool policy::NamespacesParams::*created, std::string_view kind) {
  const auto* ns = c.plan.params<policy::StepKind::NamespacesCreate>();
  const bool own = ns && ns->*created;
  return !own && !joins(c, kind);
}

void host_pid(const Context& c, Findings& f) {
  if (host(c, &policy::NamespacesParams::pid, "pid"))
    f.fail(c.at({c.profile.namespaces.pid.origin, c.profile.profile.privileged.origin}),
           "the sandbox shares the host's PID namespace: it sees and can signal every host process");
}

void host_ipc(const Context& c, Findings& f) {
  if (host(c, &policy::NamespacesParams::ipc, "ipc"))
    f.fail(c.at({c.profile.ipc.mode.origin}), "the sandbox shares the host's IPC namespace (shared memory, "
                                              "semaphores, message queues)");
}

void host_net(const Context& c, Findings& f) {
  if (host(c, &policy::NamespacesParams::net, "net"))
    f.fail(c.at({c.profile.network.mode.origin}), "the sandbox uses the host's network namespace: every host "
                                                  "interface and port, and services bound to localhost");
}

void host_uts(const Context& c, Findings& f) {
  if (host(c, &policy::NamespacesParams::uts, "uts"))
    f.fail(c.at({c.profile.namespaces.uts.origin}), "the sandbox shares the host's hostname (UTS namespace)");
}

void no_userns(const Context& c, Findings& f) {
  if (!c.userns)
    f.fail(c.at({c.profile.user.ns.enabled.origin}),
           "no user namespace: uid 0 in the sandbox is uid 0 on the host, and so are its capabilities");
}

void root_maps_to_root(const Context& c, Findings& f) {
  const auto* maps = c.plan.params<policy::StepKind::UsernsMaps>();
  if (!maps || maps->automatic || maps->rootless) return;
  for (const auto& m : c.profile.user.ns.uid_map.value)
    if (m.inside.value == 0 && m.outside.value == 0)
      f.fail(c.at({m.loc, c.profile.user.ns.uid_map.origin}),
             "the user namespace maps uid 0 inside to uid 0 on the host: it isolates nothing");
}

void host_cgroup(const Context& c, Findings& f) {
  const auto* ns = c.plan.params<policy::StepKind::NamespacesCreate>();
  if (ns && !ns->mount)
    f.fail(c.subject, "the sandbox shares the host's mount namespace");
  if (host(c, &policy::NamespacesParams::cgroup, "cgroup"))
    f.fail(c.at({c.profile.namespaces.cgroup.origin}),
           "the sandbox shares the host's cgroup namespace: it sees the host's cgroup paths");
}

void shared_net(const Context& c, Findings& f) {
  std::string other;
  if (joins(c, "net", &other))
    f.fail(c.at({c.profile.network.mode.origin}),
           fmt::format("the sandbox joins the network namespace of {}", other));
}

void host_ports(const Context& c, Findings& f) {
  if (host(c, &policy::NamespacesParams::net, "net") && c.has_cap(CAP_NET_BIND_SERVICE))
    f.fail(c.at({c.profile.network.mode.origin}),
           "on the host's network with CAP_NET_BIND_SERVICE the program can take the host's ports below 1024");
}

constexpr Rule kNamespacesRules[] = {
    {"RF-NS-001", host_pid},   {"RF-NS-002", host_ipc},          {"RF-NS-003", host_net},
    {"RF-NS-004", host_uts},   {"RF-NS-005", no_userns},         {"RF-NS-006", root_maps_to_root},
    {"RF-NS-007", host_cgroup}, {"RF-NET-001", shared_net},      {"RF-NET-002", host_ports},
};

}  // namespace

std::span<const Rule> namespace_rules() { return kNamespacesRules; }

}  // namespace ringfence::lint
