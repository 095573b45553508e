// apparmor.exec-label, selinux.exec-label and landlock.restrict. LSM labels
// are per thread (attr/current, or attr/apparmor/current under stacking).
// Landlock has no /proc view: only the launcher's record can speak for it.
#include "verify_support.h"

namespace ringfence::enforcer {

using detail::verdict;

namespace {

std::vector<Verdict> label_verdict(policy::StepKind step, const std::string& expected, bool optional,
                                   const ProcessFacts& facts, bool apparmor) {
  for (const auto& t : facts.threads) {
    const auto& label = apparmor && t.attr_apparmor ? t.attr_apparmor : t.attr_current;
    if (!label) {
      // No LSM exposes a label. With `optional` the launcher may have
      // skipped the step; its record says so, and then it is no failure of
      // the process against the plan.
      const bool skipped = facts.launcher && facts.launcher->skipped.count(std::string(policy::step_name(step)));
      if (optional && skipped)
        return {verdict(step, "label", Holds::Yes, "no label: the launcher recorded the optional step as skipped",
                        expected + " (optional)")};
      return {verdict(step, "label", Holds::Unknown, fmt::format("no LSM label exposed for tid {}", t.tid), expected)};
    }
    // AppArmor shows "name (enforce)"; complain mode does not confine.
    const bool ok = apparmor ? *label == expected + " (enforce)" : *label == expected;
    if (!ok) return {verdict(step, "label", Holds::No, fmt::format("{} on tid {}", *label, t.tid), expected)};
  }
  if (facts.threads.empty()) return {verdict(step, "label", Holds::Unknown, "no thread could be read", expected)};
  return {verdict(step, "label", Holds::Yes, expected + " on every thread", expected)};
}

}  // namespace

std::vector<Verdict> verify_apparmor(const policy::AppArmorParams& params, const ProcessFacts& facts) {
  return label_verdict(policy::StepKind::ApparmorExecLabel, params.profile, params.optional, facts, true);
}

std::vector<Verdict> verify_selinux(const policy::SELinuxParams& params, const ProcessFacts& facts) {
  return label_verdict(policy::StepKind::SelinuxExecLabel, params.label, params.optional, facts, false);
}

std::vector<Verdict> verify_landlock(const ProcessFacts& facts) {
  const std::string expected = "a Landlock domain";
  if (!facts.launcher)
    return {verdict(policy::StepKind::LandlockRestrict, "domain", Holds::Unknown,
                    "Landlock has no /proc view and there is no launcher record for a bare pid", expected)};
  if (facts.launcher->skipped.count(std::string(policy::step_name(policy::StepKind::LandlockRestrict))))
    return {verdict(policy::StepKind::LandlockRestrict, "domain", Holds::No, "the launcher recorded the step as skipped (optional)",
                    expected)};
  if (!facts.launcher->applied.count(std::string(policy::step_name(policy::StepKind::LandlockRestrict))))
    return {verdict(policy::StepKind::LandlockRestrict, "domain", Holds::No,
                    "the launcher's record has no landlock.restrict: the sandbox was started without it", expected)};
  return {verdict(policy::StepKind::LandlockRestrict, "domain", Holds::Yes,
                  "applied, according to the launcher's record (Landlock has no /proc view)", expected)};
}

}  // namespace ringfence::enforcer
