// Capability sets. Docker's model: start from its 14 capabilities; each
// layer of the extends chain (and the command line, last) applies its own
// `drop` then `add`, where "ALL" stands for every capability.
#include <fmt/format.h>

#include <map>

#include "compile_context.h"
#include "ringfence/policy/defaults.h"
#include "ringfence/policy/names.h"

namespace ringfence::policy {
namespace {

std::uint64_t all_caps() {
  const int last = last_capability();
  return last >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;
}

std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

}  // namespace

CapSets resolve_capabilities(CompileContext& ctx) {
  const auto& caps = ctx.p.capabilities;
  std::uint64_t set = 0;
  for (const auto& name : docker_default_capabilities()) set |= bit(*capability_from_name(name));

  // Group the deltas by layer; each layer is applied as a whole.
  std::map<int, std::pair<std::vector<const Located<std::string>*>, std::vector<const Located<std::string>*>>> by_layer;
  for (const auto& a : caps.add.items) by_layer[a.layer].first.push_back(&a);
  for (const auto& d : caps.drop.items) by_layer[d.layer].second.push_back(&d);

  for (const auto& [layer, delta] : by_layer) {
    const auto& [adds, drops] = delta;
    bool add_all = false, drop_all = false;
    std::uint64_t add = 0, drop = 0;
    for (const auto* a : adds) {
      if (a->value == "ALL") add_all = true;
      else if (auto c = capability_from_name(a->value)) add |= bit(*c);
    }
    for (const auto* d : drops) {
      if (d->value == "ALL") drop_all = true;
      else if (auto c = capability_from_name(d->value)) drop |= bit(*c);
    }
    if (add_all && drop_all) {
      ctx.diags.error(adds.front()->loc, "capabilities: \"ALL\" is both added and dropped in the same profile");
      continue;
    }
    for (const auto* a : adds) {
      auto c = capability_from_name(a->value);
      if (c && (drop & bit(*c)))
        ctx.diags.error(a->loc, fmt::format("capability {} is both added and dropped in the same profile",
                                            capability_name(*c)));
    }
    if (add_all) {
      set = all_caps() & ~drop;  // --cap-add ALL --cap-drop X: everything but X
    } else {
      set = drop_all ? 0 : set & ~drop;
      set |= add;
    }
  }
  if (ctx.privileged) set = all_caps();

  CapSets out;
  out.bounding = set;
  // These are the sets of a root process; for any other user the kernel
  // keeps only the ambient capabilities across exec, and so do we (the
  // enforcer decides by the uid it resolved).
  out.permitted = set;
  out.effective = set;
  for (const auto& a : caps.ambient.value) {
    auto c = capability_from_name(a.value);
    if (!c) continue;
    if (!(set & bit(*c))) {
      ctx.diags.error(a.loc, fmt::format("ambient capability {} is not in the capability set; add it too",
                                         capability_name(*c)));
      continue;
    }
    out.ambient |= bit(*c);
  }
  // Inheritable stays empty unless ambient capabilities need it
  // (CVE-2022-29162: file capabilities would otherwise gain from it).
  out.inheritable = out.ambient;
  return out;
}

}  // namespace ringfence::policy
