// The /proc parsers of `audit check` and `audit scan`: status, uid_map and
// gid_map, limits, cgroup, net/dev, stat and mountinfo. A sandboxed
// process chooses much of what these files hold (its comm, the paths it
// mounts), so each is fed the same text; each must stay in bounds and never
// invent a value.
#include <sys/resource.h>

#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "ringfence/enforcer/mountinfo.h"
#include "ringfence/enforcer/proc_parse.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));

  const auto status = enforcer::parse_status(text);
  for (const char* key : {"CapEff", "CapBnd", "CapPrm", "CapInh", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
                          "NSpid", "PPid", "TracerPid"}) {
    (void)enforcer::status_hex(status, key);
    (void)enforcer::status_int(status, key);
  }
  (void)enforcer::status_ids(status, "Uid");
  (void)enforcer::status_ids(status, "Gid");
  (void)enforcer::status_groups(status);

  if (const auto map = enforcer::parse_id_map(text)) {
    (void)enforcer::is_identity_map(*map);
    for (const std::uint32_t id : {0u, 1u, 1000u, 65534u, 100000u, 4294967294u, 4294967295u})
      if (const auto inside = enforcer::map_to_inside(*map, id)) (void)*inside;
  }
  if (const auto limits = enforcer::parse_limits(text)) {
    for (int r = 0; r < RLIMIT_NLIMITS; ++r) (void)limits->count(enforcer::limits_row(r));
  }
  (void)enforcer::parse_proc_cgroup(text);
  (void)enforcer::parse_net_dev(text);
  (void)enforcer::stat_start_time(text);
  for (const auto& m : enforcer::parse_mountinfo(text)) {
    (void)m.has_option("ro");
    (void)m.has_option("nosuid");
  }
  return 0;
}
