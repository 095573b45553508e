// caps.bounding, caps.sets, caps.ambient: the five sets of every thread
// against the sets the plan computes (permitted_for is the same function
// the apply uses, so the rule for non-root users lives in one place).
#include "ringfence/enforcer/capabilities.h"
#include "verify_support.h"

namespace ringfence::enforcer {

using detail::every_thread;
using detail::hex16;

namespace {

// The uid the process has inside its user namespace: capabilities after
// the privilege drop depend on it. Status shows it as the auditor sees it.
std::optional<std::uint32_t> inside_euid(const ProcessFacts& facts) {
  if (facts.threads.empty() || !facts.threads.front().uids || !facts.uid_map) return std::nullopt;
  return map_to_inside(*facts.uid_map, (*facts.threads.front().uids)[1]);
}

}  // namespace

std::vector<Verdict> verify_caps(policy::StepKind kind, const policy::CapSets& sets, const policy::Plan& plan,
                                 const ProcessFacts& facts) {
  const policy::CapSets caps = granted_caps(sets, plan.privileged);
  std::vector<Verdict> out;
  auto check = [&](const char* aspect, std::uint64_t expected, std::optional<std::uint64_t> ThreadFacts::*field) {
    out.push_back(every_thread(kind, aspect, facts, expected,
                               [field](const ThreadFacts& t) { return t.*field; }, hex16));
  };
  if (kind == policy::StepKind::CapsBounding) check("CapBnd", caps.bounding, &ThreadFacts::cap_bnd);
  if (kind == policy::StepKind::CapsSets) {
    const auto uid = inside_euid(facts);
    if (!uid) {
      out.push_back({kind, "CapPrm", Holds::Unknown, "the process's uid inside its user namespace is unknown",
                     "the plan's permitted set for that uid"});
    } else {
      const std::uint64_t permitted = permitted_for(caps, *uid);
      check("CapPrm", permitted, &ThreadFacts::cap_prm);
      check("CapEff", permitted, &ThreadFacts::cap_eff);
    }
    check("CapInh", caps.inheritable, &ThreadFacts::cap_inh);
    // Without a caps.ambient step the ambient set must be empty.
    if (!plan.has(policy::StepKind::CapsAmbient)) check("CapAmb", 0, &ThreadFacts::cap_amb);
  }
  if (kind == policy::StepKind::CapsAmbient) check("CapAmb", caps.ambient, &ThreadFacts::cap_amb);
  return out;
}

}  // namespace ringfence::enforcer
