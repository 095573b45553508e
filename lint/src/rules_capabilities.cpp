// Capabilities, judged on the bounding set the plan computes (so `drop =
// ["ALL"]` in a parent and an `add` in a child are judged together). Each
// capability is reported by one rule only: SYS_ADMIN by RF-CAP-001, the
// escape class by RF-CAP-002, NET_RAW by RF-CAP-004, anything else outside
// the Pod Security baseline by RF-CAP-003.
#include <linux/capability.h>

#include <map>

#include <fmt/core.h>

#include "context.h"
#include "ringfence/policy/capability_classes.h"
#include "ringfence/policy/names.h"

namespace ringfence::lint {
namespace {

constexpr std::uint64_t bit(int cap) { return policy::cap_bit(cap); }

// One finding per place that kept capabilities of the class: a privileged
// profile is one line that keeps them all, not forty findings.
void each_cap(const Context& c, std::uint64_t mask, Findings& f, const char* one, const char* many) {
  std::map<std::string, std::pair<policy::SourceLocation, std::uint64_t>> by_place;
  for (int cap = 0; cap < 64; ++cap) {
    if (!((mask >> cap) & 1)) continue;
    const auto at = c.cap_added_at(cap);
    auto& entry = by_place[fmt::format("{}:{}:{}", at.file, at.line, at.column)];
    entry.first = at;
    entry.second |= bit(cap);
  }
  for (const auto& [key, entry] : by_place) {
    const bool single = (entry.second & (entry.second - 1)) == 0;
    f.fail(entry.first, fmt::format("{} {} {}", single ? "capability" : "capabilities", cap_list(entry.second),
                                    single ? one : many));
  }
}

void sys_admin(const Context& c, Findings& f) {
  const std::uint64_t all = (bit(policy::last_capability()) << 1) - 1;
  if ((c.bounding & all) == all)
    f.fail(c.cap_added_at(CAP_SYS_ADMIN), "every capability is kept (ALL)");
  else if (c.has_cap(CAP_SYS_ADMIN))
    f.fail(c.cap_added_at(CAP_SYS_ADMIN), "capability CAP_SYS_ADMIN is kept: it allows mount, bpf, namespaces and "
                                          "most of what root can do");
}

void escape_class(const Context& c, Findings& f) {
  each_cap(c, c.bounding & policy::kEscapeClassCaps, f, "is kept: it has known ways out of a sandbox or into the kernel",
           "are kept: each has known ways out of a sandbox or into the kernel");
}

void outside_baseline(const Context& c, Findings& f) {
  each_cap(c, c.bounding & policy::kOutsideBaselineCaps, f,
           "is outside the Pod Security baseline set", "are outside the Pod Security baseline set");
}

void net_raw(const Context& c, Findings& f) {
  if (c.has_cap(CAP_NET_RAW))
    f.fail(c.cap_added_at(CAP_NET_RAW), "capability CAP_NET_RAW is kept: raw sockets can forge packets and spoof "
                                        "neighbours on the sandbox's network");
}

void restricted_set(const Context& c, Findings& f) {
  const std::uint64_t extra = c.bounding & ~policy::kRestrictedCaps;
  if (!extra) return;
  // Point at what kept the first of them: an `add`, or the `drop` that
  // left it in.
  int first = 0;
  while (!((extra >> first) & 1)) ++first;
  policy::SourceLocation at = c.cap_added_at(first);
  if (!at.known() || at == c.subject) {
    const auto& drops = c.profile.capabilities.drop.items;
    at = c.at({drops.empty() ? policy::SourceLocation{} : drops.back().loc});
  }
  f.fail(at, fmt::format("capabilities beyond NET_BIND_SERVICE are kept: {}", cap_list(extra)));
}

void ambient(const Context& c, Findings& f) {
  if (c.uid && *c.uid == 0) return;  // root gets its capabilities at exec anyway
  const std::uint64_t extra = c.ambient & ~policy::kRestrictedCaps;
  if (extra)
    f.fail(c.at({c.profile.capabilities.ambient.origin}),
           fmt::format("ambient capabilities survive exec for a non-root user: {}", cap_list(extra)));
}

constexpr Rule kCapabilitiesRules[] = {
    {"RF-CAP-001", sys_admin}, {"RF-CAP-002", escape_class}, {"RF-CAP-003", outside_baseline},
    {"RF-CAP-004", net_raw},   {"RF-CAP-005", restricted_set}, {"RF-CAP-006", ambient},
};

}  // namespace

std::span<const Rule> capability_rules() { return kCapabilitiesRules; }

}  // namespace ringfence::lint
