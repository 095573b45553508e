// Mandatory access control: AppArmor, SELinux and Landlock. Any one of them
// confining the program satisfies RF-LSM-001; the others judge how each is
// configured.
#include <fmt/core.h>

#include "context.h"

namespace ringfence::lint {
namespace {

void no_mac(const Context& c, Findings& f) {
  if (c.plan.has(policy::StepKind::ApparmorExecLabel) || c.plan.has(policy::StepKind::SelinuxExecLabel) || c.plan.has(policy::StepKind::LandlockRestrict))
    return;
  f.fail(c.at({c.profile.profile.privileged.origin, c.profile.landlock.enabled.origin,
               c.profile.apparmor.optional.origin, c.profile.selinux.disable.origin}),
         "no AppArmor profile, SELinux type or Landlock ruleset confines the program");
}

void selinux_label(const Context& c, Findings& f) {
  const auto& s = c.profile.selinux;
  if (s.disable.value) {
    f.fail(c.at({s.disable.origin}), "SELinux labelling is disabled for the sandbox");
    return;
  }
  if (s.type.is_set()) {
    static constexpr std::string_view kConfined[] = {"container_t", "container_init_t", "container_kvm_t",
                                                     "container_engine_t"};
    bool ok = false;
    for (auto t : kConfined) ok = ok || s.type.value == t;
    if (!ok)
      f.fail(s.type.origin, fmt::format("SELinux type '{}' is not one of the confined container types", s.type.value));
  }
  if (s.user.is_set()) f.fail(s.user.origin, fmt::format("SELinux user '{}' is set: leave it to the policy", s.user.value));
  if (s.role.is_set()) f.fail(s.role.origin, fmt::format("SELinux role '{}' is set: leave it to the policy", s.role.value));
}

void apparmor_optional(const Context& c, Findings& f) {
  const auto& a = c.profile.apparmor;
  if (a.profile.value == "unconfined")
    f.fail(a.profile.origin, "AppArmor profile 'unconfined' confines nothing");
  if ((a.profile.is_set() || a.generate.value) && a.optional.value)
    f.fail(a.optional.origin, "AppArmor is optional: on a host without it the program runs unconfined");
}

void landlock_broad(const Context& c, Findings& f) {
  const auto* l = c.plan.params<policy::StepKind::LandlockCheck>();
  if (!l) return;
  const auto& s = c.profile.landlock;
  for (const auto& p : s.read_write.value)
    if (p.value == "/") f.fail(p.loc, "Landlock grants write access to the whole filesystem");
  for (const auto& p : s.execute.value)
    if (p.value == "/") f.fail(p.loc, "Landlock grants execute access on the whole filesystem");
}

void landlock_optional(const Context& c, Findings& f) {
  if (c.plan.has(policy::StepKind::LandlockCheck) && c.profile.landlock.optional.value)
    f.fail(c.profile.landlock.optional.origin, "Landlock is optional: on a kernel without it the ruleset is skipped");
}

constexpr Rule kConfinementRules[] = {
    {"RF-LSM-001", no_mac},         {"RF-LSM-002", selinux_label},    {"RF-LSM-003", apparmor_optional},
    {"RF-LL-001", landlock_broad},  {"RF-LL-002", landlock_optional},
};

}  // namespace

std::span<const Rule> confinement_rules() { return kConfinementRules; }

}  // namespace ringfence::lint
