// Who the process is on the host (RF-PRIV-005) and whether anything
// mandatory confines it (RF-LSM-001), judged from the facts whatever the
// steps; what the profile itself asks for is allowed.
#include <charconv>

#include <fmt/core.h>

#include "compliance_exposure.h"

namespace ringfence::audit {
namespace {

using enforcer::Holds;
using enforcer::Verdict;

std::optional<std::uint32_t> numeric(const std::string& s) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool low_uid(std::uint32_t uid) { return uid >= 1 && uid < 10000; }

// RF-PRIV-005: a uid from 1 to 9999 in the host's user namespace is a real
// host account's uid. Status shows every id as the host sees them (the
// auditor runs in the initial namespaces).
Verdict low_host_uid(const policy::Plan& plan, const ProcessFacts& facts) {
  const char* aspect = "host uid";
  const auto* id = plan.params<policy::StepKind::UserIds>();
  const auto* ns = plan.params<policy::StepKind::NamespacesCreate>();
  const bool plan_userns = (ns && ns->user) || plan.has(policy::StepKind::UsernsMaps);
  const auto plan_uid = numeric(id ? id->user : "0");
  const bool allowed = !plan_userns && plan_uid && low_uid(*plan_uid);
  const std::string expected =
      allowed ? fmt::format("uid {} (the profile's, without a user namespace)", *plan_uid)
              : "no uid from 1 to 9999 without a user namespace";
  const auto it = facts.namespaces.find("user");
  if (facts.threads.empty() || it == facts.namespaces.end() || !it->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Unknown, "the user namespace or the threads' ids unreadable", expected};
  if (!*it->second.shared_with_host)
    return {std::nullopt, aspect, Holds::Yes, fmt::format("in its own user namespace {}", it->second.id), expected};
  for (const auto& t : facts.threads) {
    if (!t.uids) return {std::nullopt, aspect, Holds::Unknown, fmt::format("Uid not exposed for tid {}", t.tid), expected};
    for (const std::uint32_t uid : *t.uids)
      if (low_uid(uid) && !(allowed && uid == *plan_uid))
        return {std::nullopt, aspect, Holds::No, fmt::format("uid {} in the host's user namespace on tid {}", uid, t.tid),
                expected};
  }
  return {std::nullopt, aspect, Holds::Yes,
          fmt::format("uids {} on tid {} in the host's user namespace", (*facts.threads.front().uids)[1],
                      facts.threads.front().tid),
          expected};
}

// An LSM label that confines: AppArmor's "unconfined" and SELinux's
// unconfined_t (or the kernel's own domain) do not.
bool confining(const std::string& label) {
  return !label.empty() && label != "unconfined" && label.find("unconfined_t") == std::string::npos &&
         label.find("kernel_t") == std::string::npos;
}

// RF-LSM-001: AppArmor or SELinux show in attr/current; Landlock shows
// nowhere in /proc, so only the launcher's record can speak for it.
Verdict mandatory_access_control(const policy::Plan& plan, const ProcessFacts& facts) {
  const char* aspect = "MAC";
  const bool wants_label = plan.has(policy::StepKind::ApparmorExecLabel) || plan.has(policy::StepKind::SelinuxExecLabel);
  const bool wants_landlock = plan.has(policy::StepKind::LandlockRestrict);
  const std::string expected =
      wants_label || wants_landlock ? "confined (an LSM label or a Landlock domain)" : "any (the profile asks for none)";
  if (facts.threads.empty()) return {std::nullopt, aspect, Holds::Unknown, "no thread could be read", expected};
  std::optional<std::string> unconfined;  // the first thread without a confining label
  bool any_label = false;
  for (const auto& t : facts.threads) {
    const auto& label = t.attr_apparmor ? t.attr_apparmor : t.attr_current;
    any_label = any_label || label.has_value();
    if (!label || !confining(*label)) {
      unconfined = fmt::format("{} on tid {}", label ? *label : "no LSM label", t.tid);
      break;
    }
  }
  if (!unconfined)
    return {std::nullopt, aspect, Holds::Yes,
            fmt::format("{} on every thread",
                        facts.threads.front().attr_apparmor.value_or(facts.threads.front().attr_current.value_or(""))),
            expected};
  const std::string landlock(policy::step_name(policy::StepKind::LandlockRestrict));
  if (facts.launcher && facts.launcher->applied.count(landlock))
    return {std::nullopt, aspect, Holds::Yes, *unconfined + "; Landlock applied (the launcher's record)", expected};
  if (!wants_label && !wants_landlock) return {std::nullopt, aspect, Holds::Yes, *unconfined, expected};
  // A Landlock domain may be in force unseen; without a label an LSM that
  // is not enabled cannot be told from one that was not applied.
  if (wants_landlock && !(facts.launcher && facts.launcher->skipped.count(landlock)))
    return {std::nullopt, aspect, Holds::Unknown, *unconfined + "; Landlock has no /proc view", expected};
  if (!any_label)
    return {std::nullopt, aspect, Holds::Unknown, *unconfined + "; no LSM exposes attr/current", expected};
  return {std::nullopt, aspect, Holds::No, *unconfined, expected};
}

}  // namespace

void confinement_verdicts(const policy::Plan& plan, const ProcessFacts& facts,
                          ControlVerdicts& out) {
  out.emplace_back("RF-PRIV-005", low_host_uid(plan, facts));
  out.emplace_back("RF-LSM-001", mandatory_access_control(plan, facts));
}

}  // namespace ringfence::audit
