// Privilege and identity: privileged mode, no_new_privs, and who the
// program is on the host.
#include <fmt/core.h>

#include "context.h"

namespace ringfence::lint {
namespace {

void privileged(const Context& c, Findings& f) {
  if (c.plan.privileged)
    f.fail(c.at({c.profile.profile.privileged.origin}),
           "the sandbox is privileged: every capability and device, no seccomp filter, nothing masked");
}

void no_new_privs(const Context& c, Findings& f) {
  if (!c.plan.has(policy::StepKind::ProcessNoNewPrivileges))
    f.fail(c.at({c.profile.suid.no_new_privileges.origin, c.profile.profile.privileged.origin}),
           "no_new_privileges is off: a setuid or file-capability binary can gain privilege");
}

policy::SourceLocation user_at(const Context& c) {
  return c.at({c.profile.user.user.origin, c.profile.user.uid.origin});
}

void root_on_host(const Context& c, Findings& f) {
  if (c.uid && *c.uid == 0 && !c.root_unprivileged_outside)
    f.fail(user_at(c), c.userns ? "the program runs as uid 0, and its user namespace maps uid 0 to the host's root"
                                : "the program runs as root (uid 0) without a user namespace: it is root on the host");
}

void group_zero(const Context& c, Findings& f) {
  if (c.userns && c.root_unprivileged_outside) return;  // gid 0 inside is not the host's
  if (c.gid && *c.gid == 0)
    f.fail(c.at({c.profile.user.gid.origin, c.profile.user.user.origin}), "the program's primary group is 0 (root)");
  for (const auto& g : c.profile.user.groups.value)
    if (g.value == "0" || g.value == "root")
      f.fail(g.loc, fmt::format("supplementary group '{}' is the root group", g.value));
}

void low_host_uid(const Context& c, Findings& f) {
  if (c.userns || !c.uid || *c.uid == 0 || *c.uid >= 10000) return;
  f.fail(user_at(c), fmt::format("uid {} runs without a user namespace: it is the same uid on the host, where an "
                                 "account may already own files under it",
                                 *c.uid));
}

constexpr Rule kPrivilegeRules[] = {
    {"RF-PRIV-001", privileged}, {"RF-PRIV-002", no_new_privs}, {"RF-PRIV-003", root_on_host},
    {"RF-PRIV-004", group_zero}, {"RF-PRIV-005", low_host_uid},
};

}  // namespace

std::span<const Rule> privilege_rules() { return kPrivilegeRules; }

}  // namespace ringfence::lint
