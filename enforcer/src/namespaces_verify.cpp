// namespaces.create and userns.maps: a namespace the plan makes private
// must differ from the host's (/proc/1/ns, by device and inode); one it
// leaves to the host must be the host's; the maps must be the plan's.
#include "ringfence/policy/namespace_kinds.h"
#include "verify_support.h"

namespace ringfence::enforcer {

using detail::verdict;

namespace {

std::string maps_text(const std::vector<policy::IdMapping>& map) {
  std::string s;
  for (const auto& m : map) s += fmt::format("{}{} {} {}", s.empty() ? "" : ", ", m.inside, m.outside, m.count);
  return s.empty() ? "(none)" : s;
}

bool joins(const policy::Plan& plan, std::string_view kind) {
  const auto* join = plan.params<policy::StepKind::NamespacesJoin>();
  if (!join) return false;
  for (const auto& j : join->joins)
    if (j.kind == kind) return true;
  return false;
}

}  // namespace

std::vector<Verdict> verify_namespaces(const policy::NamespacesParams& params, const policy::Plan& plan,
                                       const ProcessFacts& facts) {
  std::vector<Verdict> out;
  for (const auto& ns : policy::kNamespaceKinds) {
    const std::string kind(ns.proc);
    const bool is_private = params.*ns.created;
    const std::string aspect = fmt::format("ns {}", kind);
    // A namespace joined from another sandbox is not the host's either.
    const bool want_host = !is_private && !joins(plan, kind);
    const std::string expected = want_host ? "the host's" : "not the host's";
    const auto it = facts.namespaces.find(kind);
    if (it == facts.namespaces.end() || !it->second.shared_with_host) {
      out.push_back(verdict(policy::StepKind::NamespacesCreate, aspect, Holds::Unknown, fmt::format("/proc/PID/ns/{} unreadable", kind), expected));
      continue;
    }
    const bool shared = *it->second.shared_with_host;
    out.push_back(verdict(policy::StepKind::NamespacesCreate, aspect, shared == want_host ? Holds::Yes : Holds::No,
                          fmt::format("{} ({})", it->second.id, shared ? "the host's" : "private"), expected));
  }
  // A private network namespace has only loopback: no way out.
  if (params.net) {
    if (!facts.net_interfaces) {
      out.push_back(verdict(policy::StepKind::NamespacesCreate, "net interfaces", Holds::Unknown, "/proc/PID/net/dev unreadable", "lo"));
    } else {
      std::string names;
      bool only_lo = true;
      for (const auto& n : *facts.net_interfaces) {
        names += (names.empty() ? "" : ",") + n;
        if (n != "lo") only_lo = false;
      }
      out.push_back(verdict(policy::StepKind::NamespacesCreate, "net interfaces", only_lo ? Holds::Yes : Holds::No,
                            names.empty() ? "(none)" : names, "lo"));
    }
  }
  return out;
}

std::vector<Verdict> verify_userns_maps(const policy::UserNsParams& params, const ProcessFacts& facts) {
  std::vector<Verdict> out;
  auto judge = [&](const char* aspect, const std::optional<std::vector<policy::IdMapping>>& seen,
                   const std::vector<policy::IdMapping>& wanted) {
    if (!seen) {
      out.push_back(verdict(policy::StepKind::UsernsMaps, aspect, Holds::Unknown, "unreadable", maps_text(wanted)));
      return;
    }
    if (params.automatic || wanted.empty()) {
      // Maps the runtime chose: they must at least not be the host's
      // identity, nor send root to host root.
      const bool ok = !is_identity_map(*seen) && map_to_inside(*seen, 0) != std::optional<std::uint32_t>{0};
      out.push_back(verdict(policy::StepKind::UsernsMaps, aspect, ok ? Holds::Yes : Holds::No, maps_text(*seen),
                            "a map chosen by the runtime, without host root"));
      return;
    }
    out.push_back(verdict(policy::StepKind::UsernsMaps, aspect, *seen == wanted ? Holds::Yes : Holds::No, maps_text(*seen),
                          maps_text(wanted)));
  };
  judge("uid_map", facts.uid_map, params.uid_map);
  judge("gid_map", facts.gid_map, params.gid_map);
  if (params.deny_setgroups) {
    if (!facts.setgroups)
      out.push_back(verdict(policy::StepKind::UsernsMaps, "setgroups", Holds::Unknown, "unreadable", "deny"));
    else
      out.push_back(verdict(policy::StepKind::UsernsMaps, "setgroups", *facts.setgroups == "deny" ? Holds::Yes : Holds::No,
                            *facts.setgroups, "deny"));
  }
  return out;
}

}  // namespace ringfence::enforcer
