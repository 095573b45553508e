#include "ringfence/policy/compiler.h"

#include "compile_context.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/merge.h"

namespace ringfence::policy {

Compiled compile_layers(std::vector<Layer> layers, const CompileOptions& options) {
  Compiled out;
  out.layers = std::move(layers);
  for (std::size_t i = 0; i < out.layers.size(); ++i) retag_layer(out.layers[i], static_cast<int>(i));
  for (const auto& layer : out.layers) validate_layer(layer, false, out.diags);
  out.profile = merge_layers(out.layers);

  CompileOptions effective = options;
  if (effective.rootfs.empty() && out.profile.image.rootfs.is_set()) effective.rootfs = out.profile.image.rootfs.value;

  CompileContext ctx(out.profile, out.layers, effective, out.diags);
  ctx.privileged = out.profile.profile.privileged.value;
  ctx.host_root = effective.rootfs.empty();
  // no_new_privileges is on unless the profile turns it off; privileged
  // profiles have it off unless they turn it on (Docker's --privileged).
  const auto& nnp = out.profile.suid.no_new_privileges;
  ctx.nnp = nnp.is_set() ? nnp.value : !ctx.privileged;
  resolve_namespaces(ctx);
  ctx.caps = resolve_capabilities(ctx);
  ctx.seccomp = resolve_seccomp(ctx);
  check_profile(ctx);
  if (out.diags.has_errors()) return out;

  Plan plan;
  plan.profile_name = out.profile.profile.name.value;
  for (const auto& layer : out.layers) plan.chain.push_back(layer.display.empty() ? layer.file : layer.display);
  plan.privileged = ctx.privileged;
  plan.steps = build_steps(ctx);
  out.plan = std::move(plan);
  return out;
}

Compiled compile(const std::vector<std::string>& refs, std::vector<Layer> extra, const CompileOptions& options) {
  Diagnostics diags;
  std::vector<Layer> layers;
  for (const auto& ref : refs) {
    auto chain = load_chain(ref, diags);
    for (auto& l : chain) layers.push_back(std::move(l));
  }
  if (diags.has_errors()) {
    // Every problem in one pass: what could be read is still checked for
    // names and values, though nothing is compiled from it.
    for (const auto& l : layers) validate_layer(l, false, diags);
    Compiled failed;
    failed.diags = std::move(diags);
    return failed;
  }
  for (auto& l : extra) layers.push_back(std::move(l));
  Compiled out = compile_layers(std::move(layers), options);
  Diagnostics all = std::move(diags);
  all.append(out.diags);
  out.diags = std::move(all);
  return out;
}

}  // namespace ringfence::policy
