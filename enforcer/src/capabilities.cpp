#include "ringfence/enforcer/capabilities.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include <fmt/core.h>

namespace ringfence::enforcer {
namespace {

bool has(std::uint64_t set, int cap) { return (set >> cap) & 1; }

// The highest capability the running kernel knows, which may be lower than
// our headers' CAP_LAST_CAP. Asked once: loops below ran it per iteration.
int last_cap() {
  static const int last = [] {
    int cap = CAP_LAST_CAP;
    while (cap > 0 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) --cap;
    return cap;
  }();
  return last;
}

Status update(capng_act_t action, capng_type_t type, std::uint64_t set) {
  for (int cap = 0; cap <= last_cap(); ++cap)
    if (has(set, cap) && capng_update(action, type, static_cast<unsigned>(cap)) != 0)
      return Status::failure(fmt::format("capng_update({})", cap), EINVAL);
  return {};
}

// PR_CAPBSET_DROP for every capability outside `keep` — the calls
// capng_apply(CAPNG_SELECT_BOUNDS) makes, without the two reads of
// /proc/PID/status and of every capability's bounding bit it makes first
// (0.15 ms of each start, in the child and again in the supervisor; issue
// 14). Dropping one already dropped succeeds.
Status drop_bounding_except(std::uint64_t keep) {
  for (int cap = 0; cap <= last_cap(); ++cap)
    if (!has(keep, cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      return Status::from_errno(
          fmt::format("drop {} from the bounding set", capng_capability_to_name(static_cast<unsigned>(cap))));
  return {};
}

}  // namespace

Status keep_only_kill_capability() {
  const bool kill = prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) == 1;
  // Without CAP_SETPCAP (root in a container that lacks it) the bounding
  // set cannot be cut (EPERM at the first drop) and is left as it is, as
  // capng_apply did: the capset below still leaves only CAP_KILL.
  if (Status st = drop_bounding_except(kill ? std::uint64_t{1} << CAP_KILL : 0); !st && st.err != EPERM)
    return Status::failure("drop the supervisor's capabilities: " + st.message, st.err);
  capng_clear(CAPNG_SELECT_CAPS);
  if (kill && capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), CAP_KILL) != 0)
    return Status::failure("capng_update(CAP_KILL)", EINVAL);
  if (capng_apply(CAPNG_SELECT_CAPS) != 0) return Status::from_errno("drop the supervisor's capabilities");
  return {};
}

std::uint64_t own_bounding_set() {
  std::uint64_t set = 0;
  for (int cap = 0; cap <= last_cap(); ++cap)
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) set |= std::uint64_t{1} << cap;
  return set;
}

policy::CapSets granted_caps(const policy::CapSets& caps, bool privileged) {
  policy::CapSets out = caps;
  if (privileged) {
    const std::uint64_t mine = own_bounding_set();
    out.bounding &= mine;
    out.permitted &= mine;
    out.effective &= mine;
    out.inheritable &= mine;
    out.ambient &= mine;
  }
  return out;
}

std::uint64_t permitted_for(const policy::CapSets& caps, uid_t uid) { return uid == 0 ? caps.permitted : caps.ambient; }

Status apply_bounding(const policy::CapSets& caps) { return drop_bounding_except(caps.bounding); }

Status apply_cap_sets(const policy::CapSets& caps, uid_t uid) {
  const std::uint64_t permitted = permitted_for(caps, uid);
  // Every set is given here, so the process's own are not read first.
  capng_clear(CAPNG_SELECT_CAPS);
  if (Status st = update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_PERMITTED | CAPNG_EFFECTIVE), permitted); !st)
    return st;
  if (Status st = update(CAPNG_ADD, CAPNG_INHERITABLE, caps.inheritable); !st) return st;
  if (capng_apply(CAPNG_SELECT_CAPS) != 0) return Status::from_errno("capset");
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Status::from_errno("prctl(PR_SET_KEEPCAPS, 0)");
  return {};
}

Status apply_ambient(const policy::CapSets& caps) {
  for (int cap = 0; cap <= last_cap(); ++cap)
    if (has(caps.ambient, cap) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      return Status::from_errno(fmt::format("raise ambient capability {}", capng_capability_to_name(static_cast<unsigned>(cap))));
  return {};
}

}  // namespace ringfence::enforcer
