#include "compliance_exposure.h"

#include <linux/capability.h>

#include <fstream>

#include <fmt/core.h>

#include "ringfence/enforcer/capabilities.h"

namespace ringfence::audit {
namespace {

using enforcer::Holds;
using enforcer::Verdict;

constexpr int kSysAdmin = 21;

// Every capability the running kernel knows (cap_last_cap).
std::uint64_t full_capability_mask() {
  int last = CAP_LAST_CAP;
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  if (!(in >> last) || last < 0 || last > 63) last = CAP_LAST_CAP;
  return last == 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;
}

std::uint64_t plan_bounding(const policy::Plan& plan) {
  const policy::Step* s = plan.find(policy::StepKind::CapsBounding);
  return s ? enforcer::granted_caps(*s->params_if<policy::StepKind::CapsBounding>(), plan.privileged).bounding
           : full_capability_mask();
}

}  // namespace

std::vector<std::pair<std::string, Verdict>> exposure_verdicts(const policy::Plan& plan,
                                                               const enforcer::ProcessFacts& facts) {
  std::vector<std::pair<std::string, Verdict>> out;
  const auto& threads = facts.threads;

  // RF-PRIV-001: the runtime fingerprint of a privileged container: every
  // capability this host grants (the auditor's own bounding set, as root on
  // the host) and no seccomp.
  {
    const std::uint64_t full = enforcer::own_bounding_set();
    std::optional<pid_t> privileged_tid;
    bool unknown = threads.empty();
    for (const auto& t : threads) {
      if (!t.cap_bnd || !t.seccomp_mode) {
        unknown = true;
        continue;
      }
      if ((*t.cap_bnd & full) == full && *t.seccomp_mode == 0 && !privileged_tid) privileged_tid = t.tid;
    }
    const std::string expected = plan.privileged ? "allowed (privileged profile)" : "not privileged";
    Verdict v{std::nullopt, "privileged", Holds::Yes, "", expected};
    if (privileged_tid) {
      v.observed = fmt::format("full bounding set and no seccomp on tid {}", *privileged_tid);
      v.holds = plan.privileged ? Holds::Yes : Holds::No;
    } else {
      v.observed = unknown ? "status unreadable" : "not privileged";
      v.holds = unknown ? Holds::Unknown : Holds::Yes;
    }
    out.emplace_back("RF-PRIV-001", v);
  }

  // RF-CAP-001: CAP_SYS_ADMIN in any set of any thread beyond the plan's.
  {
    const bool allowed = (plan_bounding(plan) >> kSysAdmin) & 1;
    Verdict v{std::nullopt, "SYS_ADMIN", Holds::Yes, "not held",
              allowed ? "allowed by the profile" : "not held"};
    if (threads.empty()) v = {std::nullopt, "SYS_ADMIN", Holds::Unknown, "no thread could be read", v.expected};
    for (const auto& t : threads) {
      if (!t.cap_bnd || !t.cap_prm || !t.cap_eff) {
        if (v.holds == Holds::Yes) v = {std::nullopt, "SYS_ADMIN", Holds::Unknown, "status unreadable", v.expected};
        continue;
      }
      if (((*t.cap_bnd | *t.cap_prm | *t.cap_eff) >> kSysAdmin) & 1) {
        v.observed = fmt::format("CAP_SYS_ADMIN held by tid {}", t.tid);
        v.holds = allowed ? Holds::Yes : Holds::No;
        if (!allowed) break;
      }
    }
    out.emplace_back("RF-CAP-001", v);
  }

  // Settings a profile may leave off: judged, and a pass when the profile
  // allows what is seen.
  if (!plan.has(policy::StepKind::SeccompLoad) && !threads.empty())
    out.emplace_back("RF-SEC-001", Verdict{std::nullopt, "Seccomp", Holds::Yes,
                                           fmt::format("Seccomp={} on tid {}", threads.front().seccomp_mode.value_or(-1),
                                                       threads.front().tid),
                                           "any (the profile loads no filter)"});
  if (!plan.has(policy::StepKind::ProcessNoNewPrivileges) && !threads.empty())
    out.emplace_back("RF-PRIV-002", Verdict{std::nullopt, "NoNewPrivs", Holds::Yes,
                                            fmt::format("NoNewPrivs={} on tid {}",
                                                        threads.front().no_new_privs.value_or(-1), threads.front().tid),
                                            "any (the profile leaves no_new_privs off)"});
  if (!plan.has(policy::StepKind::MountReadonlyRoot))
    out.emplace_back("RF-FS-001",
                     Verdict{std::nullopt, "/ ro", Holds::Yes, "not judged", "any (the profile allows a writable root)"});
  capability_verdicts(plan, facts, out);
  confinement_verdicts(plan, facts, out);
  host_view_verdicts(plan, facts, out);
  return out;
}

}  // namespace ringfence::audit
