// Shared state of one compilation, passed to the per-concern resolvers and
// to the step builders of plan_order.cpp. Internal to the policy module.
#pragma once

#include <optional>
#include <string>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/plan.h"

namespace ringfence::policy {

struct CompileContext {
  CompileContext(const Profile& profile, const std::vector<Layer>& layers_, const CompileOptions& options_,
                 Diagnostics& diags_)
      : p(profile), layers(layers_), options(options_), diags(diags_) {}

  const Profile& p;
  const std::vector<Layer>& layers;
  const CompileOptions& options;
  Diagnostics& diags;

  bool privileged = false;
  bool host_root = true;  // no rootfs given: the host's / read-only
  bool nnp = true;
  bool userns = false;
  CapSets caps;
  std::optional<SeccompFilter> seccomp;  // empty: no filter
  NamespacesParams namespaces;
  std::vector<NamespaceJoin> joins;
};

// Resolvers, one file each; each reports its own problems in ctx.diags.
CapSets resolve_capabilities(CompileContext& ctx);
std::optional<SeccompFilter> resolve_seccomp(CompileContext& ctx);
void resolve_namespaces(CompileContext& ctx);
// Cross-field checks of the merged profile (contradictions).
void check_profile(CompileContext& ctx);

// Per-layer checks of values (enums, ranges, paths, names).
void validate_layer(const Layer& layer, bool is_base, Diagnostics& diags);
// The block I/O, huge page and unified checks of it, which `ringfence-oci
// update` also runs on what it is given.
void validate_resource_limits(const ResourcesSection& r, Diagnostics& diags);

// The block I/O limits of `resources` added to `c`, one per device
// (plan_order.cpp): cgroup.create's, and `ringfence-oci update`'s.
void add_io_limits(const ResourcesSection& resources, CgroupParams& c);
// The same for its huge page limits, one per page size.
void add_hugepage_limits(const ResourcesSection& resources, CgroupParams& c);

// Builds the ordered steps from the resolved context (plan_order.cpp).
std::vector<Step> build_steps(const CompileContext& ctx);

}  // namespace ringfence::policy
