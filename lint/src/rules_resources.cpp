// Resources, rlimits and the image: what bounds the program's use of the
// host, and whether the files it runs are the ones that were approved.
#include <sys/resource.h>

#include <fmt/core.h>

#include "context.h"

namespace ringfence::lint {
namespace {

const policy::CgroupParams* cgroup(const Context& c) { return c.plan.params<policy::StepKind::CgroupCreate>(); }

void no_memory(const Context& c, Findings& f) {
  const auto* g = cgroup(c);
  if (!g || !g->memory || *g->memory < 0)
    f.fail(c.at({c.profile.resources.memory.origin}), "no memory limit: one sandbox can push the host into OOM");
}

void no_pids(const Context& c, Findings& f) {
  const auto* g = cgroup(c);
  if (!g || !g->pids_limit || *g->pids_limit < 0)
    f.fail(c.at({c.profile.resources.pids_limit.origin}), "no pids limit: a fork bomb exhausts the host's pids");
}

void no_cpu(const Context& c, Findings& f) {
  const auto* g = cgroup(c);
  if (!g || (!g->cpu_quota_us && !g->cpu_shares))
    f.fail(c.at({c.profile.resources.cpus.origin, c.profile.resources.cpu_shares.origin}),
           "no CPU quota or shares: the sandbox competes with the host at full weight");
}

void rlimits(const Context& c, Findings& f) {
  const auto& set = c.profile.rlimits.value;
  const auto* r = c.plan.params<policy::StepKind::ProcessRlimits>();
  const policy::Rlimit* core = nullptr;
  if (r)
    for (const auto& l : r->limits) {
      if (l.resource == RLIMIT_CORE) core = &l;
      if ((l.resource == RLIMIT_NOFILE || l.resource == RLIMIT_NPROC) && l.hard == policy::RlimitValue::kUnlimited)
        f.fail(c.at({set.count(l.name) ? set.at(l.name).loc : policy::SourceLocation{}}),
               fmt::format("rlimit {} is unlimited", l.name));
    }
  if (!core)
    f.fail(c.at({c.profile.rlimits.origin}), "no core rlimit: a crash may write the program's memory, secrets "
                                             "included, to disk");
  else if (core->hard != 0)
    f.fail(c.at({set.count("core") ? set.at("core").loc : policy::SourceLocation{}}),
           "the core rlimit allows core dumps: a crash may write secrets to disk");
}

void unpinned(const Context& c, Findings& f) {
  const auto& img = c.profile.image;
  if (img.rootfs.is_set() && !img.digest.is_set())
    f.fail(img.rootfs.origin, fmt::format("rootfs {} is not pinned by a digest: what runs may not be what was "
                                          "reviewed",
                                          img.rootfs.value));
  if (img.name.is_set() && !img.digest.is_set())
    f.fail(img.name.origin, fmt::format("image {} is not pinned by a digest: a new import under that name would run "
                                        "unreviewed",
                                        img.name.value));
}

void host_root(const Context& c, Findings& f) {
  if (!c.profile.image.rootfs.is_set() && !c.profile.image.name.is_set())
    f.fail(c.subject, "no [image] rootfs: unless run with --rootfs, the program sees the host's own directories (/usr, /etc… "
                   "read-only)");
}

constexpr Rule kResourcesRules[] = {
    {"RF-RES-001", no_memory}, {"RF-RES-002", no_pids},  {"RF-RES-003", no_cpu},
    {"RF-RLIM-001", rlimits},  {"RF-IMG-001", unpinned}, {"RF-IMG-002", host_root},
};

}  // namespace

std::span<const Rule> resource_rules() { return kResourcesRules; }

}  // namespace ringfence::lint
