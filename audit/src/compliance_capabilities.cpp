// The capability controls lint judges on a plan (RF-CAP-002 to -006, and
// those that combine a capability with another fact: RF-NET-002, RF-DEV-002),
// judged on the sets the kernel shows for every thread. Like RF-CAP-001, a
// capability the plan itself grants is allowed (the lint rule reports the
// profile); one the plan does not grant fails.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <set>
#include <sstream>

#include "compliance_exposure.h"
#include "ringfence/enforcer/capabilities.h"
#include "ringfence/enforcer/proc_parse.h"
#include "ringfence/enforcer/verify.h"
#include "ringfence/policy/capability_classes.h"
#include "ringfence/policy/names.h"

namespace ringfence::audit {
namespace {

using enforcer::Holds;
using enforcer::ThreadFacts;
using enforcer::Verdict;
using policy::cap_bit;

std::string cap_names(std::uint64_t mask) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap)
    if ((mask >> cap) & 1) names.push_back(policy::capability_name(cap));
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

policy::CapSets plan_caps(const policy::Plan& plan) {
  const policy::Step* s = plan.find(policy::StepKind::CapsBounding);
  if (!s) {
    // No capability step: the process keeps what it was started with.
    policy::CapSets all;
    all.bounding = all.permitted = all.effective = all.inheritable = all.ambient = ~std::uint64_t{0};
    return all;
  }
  policy::CapSets caps = enforcer::granted_caps(*s->params_if<policy::StepKind::CapsBounding>(), plan.privileged);
  if (!plan.has(policy::StepKind::CapsAmbient)) caps.ambient = 0;
  return caps;
}

// Which capabilities of `cls` some thread holds in one set: the first
// thread holding any beyond `allowed` fails; those within it pass naming
// them; an unreadable set is unknown.
Verdict judge_class(const char* aspect, const ProcessFacts& facts, std::optional<std::uint64_t> ThreadFacts::*set,
                    const char* set_name, std::uint64_t cls, std::uint64_t allowed) {
  const std::string expected =
      (cls & allowed) ? fmt::format("none beyond the profile's ({})", cap_names(cls & allowed)) : "none";
  if (facts.threads.empty()) return {std::nullopt, aspect, Holds::Unknown, "no thread could be read", expected};
  std::uint64_t held_allowed = 0;
  std::optional<pid_t> unreadable;
  for (const auto& t : facts.threads) {
    const auto v = t.*set;
    if (!v) {
      if (!unreadable) unreadable = t.tid;
      continue;
    }
    if (const std::uint64_t extra = *v & cls & ~allowed)
      return {std::nullopt, aspect, Holds::No, fmt::format("{} {} on tid {}", set_name, cap_names(extra), t.tid),
              expected};
    held_allowed |= *v & cls;
  }
  if (unreadable)
    return {std::nullopt, aspect, Holds::Unknown, fmt::format("{} not exposed for tid {}", set_name, *unreadable),
            expected};
  return {std::nullopt, aspect, Holds::Yes,
          held_allowed ? fmt::format("{} {} (allowed by the profile)", set_name, cap_names(held_allowed))
                       : fmt::format("{} none on {} thread{}", set_name, facts.threads.size(),
                                     facts.threads.size() == 1 ? "" : "s"),
          expected};
}

// A non-root user's ambient set (root gets its capabilities at exec anyway).
Verdict ambient(const ProcessFacts& facts, const policy::CapSets& caps) {
  const char* aspect = "CapAmb";
  if (facts.threads.empty() || !facts.uid_map)
    return {std::nullopt, aspect, Holds::Unknown, "the process's uid inside its user namespace is unknown",
            "none beyond NET_BIND_SERVICE for a non-root user"};
  for (const auto& t : facts.threads) {
    const auto uid = t.uids ? enforcer::map_to_inside(*facts.uid_map, (*t.uids)[1]) : std::nullopt;
    if (!uid)
      return {std::nullopt, aspect, Holds::Unknown, fmt::format("the uid of tid {} inside its user namespace is unknown", t.tid),
              "none beyond NET_BIND_SERVICE for a non-root user"};
    if (*uid == 0) continue;
    Verdict v = judge_class(aspect, facts, &ThreadFacts::cap_amb, "CapAmb", ~policy::kRestrictedCaps, caps.ambient);
    v.observed += fmt::format(" (uid {} inside)", *uid);
    return v;
  }
  return {std::nullopt, aspect, Holds::Yes, "every thread is root inside its user namespace",
          "none beyond NET_BIND_SERVICE for a non-root user"};
}

bool plan_net_private(const policy::Plan& plan) {
  const auto* ns = plan.params<policy::StepKind::NamespacesCreate>();
  if (ns && ns->net) return true;
  if (const auto* join = plan.params<policy::StepKind::NamespacesJoin>())
    for (const auto& j : join->joins)
      if (j.kind == "net") return true;
  return false;
}

// The host's network with NET_BIND_SERVICE effective on some thread.
Verdict host_ports(const policy::Plan& plan, const ProcessFacts& facts, const policy::CapSets& caps) {
  const char* aspect = "host ports";
  const bool allowed = !plan_net_private(plan) && (caps.bounding & cap_bit(CAP_NET_BIND_SERVICE));
  const std::string expected = allowed ? "allowed by the profile (host network, NET_BIND_SERVICE)"
                                       : "not both the host's network and CAP_NET_BIND_SERVICE";
  const auto it = facts.namespaces.find("net");
  if (it == facts.namespaces.end() || !it->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Unknown, "/proc/PID/ns/net unreadable", expected};
  if (!*it->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Yes, fmt::format("private network {}", it->second.id), expected};
  Verdict v = judge_class(aspect, facts, &ThreadFacts::cap_eff, "CapEff", cap_bit(CAP_NET_BIND_SERVICE),
                          allowed ? cap_bit(CAP_NET_BIND_SERVICE) : 0);
  v.observed = "the host's network; " + v.observed;
  v.expected = expected;
  return v;
}

// cgroup v2, CAP_MKNOD held: the device programs in force, asked about
// each device the rules or the programs name. One they let be made and
// then opened, where the profile's rules do not, is a failure; letting
// nodes be made that cannot be opened (Docker's "c *:* m") does not count,
// as on v1.
Verdict device_creation_v2(const policy::DeviceCgroupParams* dev, const ProcessFacts& facts, const std::string& expected) {
  const char* aspect = "mknod";
  if (!facts.device_programs)
    return {std::nullopt, aspect, Holds::Unknown,
            "CAP_MKNOD held; the cgroup's device programs cannot be read: " + facts.device_programs_unreadable, expected};
  const policy::DeviceCgroupParams none;
  const policy::DeviceCgroupParams& rules = dev ? *dev : none;
  auto usable = [&](auto&& allows, char type, std::int64_t major, std::int64_t minor) -> std::optional<bool> {
    std::optional<bool> m = allows(enforcer::DeviceAccess{type, 'm', major, minor});
    std::optional<bool> r = allows(enforcer::DeviceAccess{type, 'r', major, minor});
    std::optional<bool> w = allows(enforcer::DeviceAccess{type, 'w', major, minor});
    if (!m || !r || !w) return std::nullopt;
    return *m && (*r || *w);
  };
  auto programs = [&](const enforcer::DeviceAccess& a) { return enforcer::device_programs_allow(*facts.device_programs, a); };
  auto profile = [&](const enforcer::DeviceAccess& a) { return std::optional<bool>(enforcer::device_rules_allow(rules, a)); };
  std::vector<std::string> creating;
  const auto numbers = enforcer::device_probe_numbers(rules, *facts.device_programs);
  for (char type : {'c', 'b'})
    for (std::int64_t major : numbers)
      for (std::int64_t minor : numbers) {
        const auto made = usable(programs, type, major, minor);
        if (!made)
          return {std::nullopt, aspect, Holds::Unknown,
                  "CAP_MKNOD held; a device program in force uses instructions this check cannot run", expected};
        if (*made && !*usable(profile, type, major, minor) && creating.size() < 5)
          creating.push_back(fmt::format("{} {}:{}", type, major, minor));
      }
  if (!creating.empty())
    return {std::nullopt, aspect, Holds::No,
            fmt::format("CAP_MKNOD held and the device programs let {} be made and opened", fmt::join(creating, ", ")),
            expected};
  return {std::nullopt, aspect, Holds::Yes,
          "CAP_MKNOD held; the device programs let no device beyond the profile's be made and opened", expected};
}

// The device cgroup's mknod permission with CAP_MKNOD, beyond the
// plan's own device rules. Docker's "c *:* m" and "b *:* m" let nodes be
// made but not opened: they do not count.
Verdict device_creation(const policy::Plan& plan, const ProcessFacts& facts, const policy::CapSets& caps) {
  const char* aspect = "mknod";
  const std::uint64_t mknod = cap_bit(CAP_MKNOD);
  const auto* dev = plan.params<policy::StepKind::DevicesCgroup>();
  // Without a device cgroup step (privileged) every device may be made.
  const bool any_allowed = !dev && (caps.bounding & mknod);
  std::set<std::string> allowed;
  if (dev && (caps.bounding & mknod)) allowed = enforcer::device_list_for(*dev);
  const std::string expected = any_allowed ? "any (the profile keeps every device and CAP_MKNOD)"
                                           : "no device rule with m beyond the profile's, or no CAP_MKNOD";
  if (facts.threads.empty()) return {std::nullopt, aspect, Holds::Unknown, "no thread could be read", expected};
  bool held = false;
  for (const auto& t : facts.threads) {
    if (!t.cap_bnd)
      return {std::nullopt, aspect, Holds::Unknown, fmt::format("CapBnd not exposed for tid {}", t.tid), expected};
    held = held || (*t.cap_bnd & mknod);
  }
  if (!held) return {std::nullopt, aspect, Holds::Yes, "CAP_MKNOD held by no thread", expected};
  if (any_allowed) return {std::nullopt, aspect, Holds::Yes, "CAP_MKNOD held", expected};
  if (facts.cgroup_version == 2) return device_creation_v2(dev, facts, expected);
  std::optional<std::string> list;
  for (const auto& [path, content] : facts.cgroup_files)
    if (path.size() >= 13 && path.compare(path.size() - 13, 13, "/devices.list") == 0) list = content;
  if (!list) return {std::nullopt, aspect, Holds::Unknown, "CAP_MKNOD held; devices.list unreadable", expected};
  std::vector<std::string> creating, profiles;
  std::istringstream in(*list);
  for (std::string line; std::getline(in, line);) {
    const auto space = line.rfind(' ');
    if (space == std::string::npos || line.find('m', space) == std::string::npos || line == "c *:* m" ||
        line == "b *:* m")
      continue;
    (allowed.count(line) ? profiles : creating).push_back(line);
  }
  if (!creating.empty())
    return {std::nullopt, aspect, Holds::No,
            fmt::format("CAP_MKNOD held and devices.list allows {}", fmt::join(creating, ", ")), expected};
  return {std::nullopt, aspect, Holds::Yes,
          profiles.empty() ? std::string("CAP_MKNOD held; no device rule with m")
                           : fmt::format("CAP_MKNOD held; the profile's rules {}", fmt::join(profiles, ", ")),
          expected};
}

}  // namespace

void capability_verdicts(const policy::Plan& plan, const ProcessFacts& facts,
                         ControlVerdicts& out) {
  const policy::CapSets caps = plan_caps(plan);
  out.emplace_back("RF-CAP-002", judge_class("escape class", facts, &ThreadFacts::cap_bnd, "CapBnd",
                                             policy::kEscapeClassCaps, caps.bounding));
  out.emplace_back("RF-CAP-003", judge_class("outside baseline", facts, &ThreadFacts::cap_bnd, "CapBnd",
                                             policy::kOutsideBaselineCaps, caps.bounding));
  out.emplace_back("RF-CAP-004", judge_class("NET_RAW", facts, &ThreadFacts::cap_bnd, "CapBnd",
                                             cap_bit(CAP_NET_RAW), caps.bounding));
  out.emplace_back("RF-CAP-005", judge_class("restricted set", facts, &ThreadFacts::cap_bnd, "CapBnd",
                                             ~policy::kRestrictedCaps, caps.bounding));
  out.emplace_back("RF-CAP-006", ambient(facts, caps));
  out.emplace_back("RF-NET-002", host_ports(plan, facts, caps));
  out.emplace_back("RF-DEV-002", device_creation(plan, facts, caps));
}

}  // namespace ringfence::audit
