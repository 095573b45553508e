// A fuzzed TOML profile, read and compiled as `ringfence plan FILE` would:
// its `extends` chain resolved against the profiles that ship in the binary
// only (a fixed set: no file of the host is read as a profile).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/merge.h"

namespace ringfence::fuzz {

// The kernel `min_kernel` conditions are judged against: fixed, so that a
// run's result does not depend on the machine.
inline policy::CompileOptions fuzz_compile_options() {
  policy::CompileOptions options;
  options.kernel_release = "6.1.0";
  return options;
}

// nullopt when the text is not TOML or names something outside the fixed
// set (an `extends` or a `seccomp.base` that is a path).
inline std::optional<policy::Compiled> compile_fuzzed_profile(std::string_view text) {
  policy::Diagnostics diags;
  auto layer = policy::read_layer(text, "fuzz.toml", 0, diags);
  if (!layer) return std::nullopt;
  const auto& base = layer->data.seccomp.base;
  if (base.is_set() && base.value != "default" && base.value != "none") return std::nullopt;
  std::vector<policy::Layer> layers;
  const auto& extends = layer->data.profile.extends;
  if (extends.is_set()) {
    if (!policy::names_shipped_profile(extends.value)) return std::nullopt;
    layers = policy::load_chain(extends.value, diags, extends.origin);
    if (layers.empty()) return std::nullopt;  // no such shipped profile: reported, nothing to compile
  }
  policy::retag_layer(*layer, static_cast<int>(layers.size()));
  layers.push_back(std::move(*layer));
  policy::Compiled c = policy::compile_layers(std::move(layers), fuzz_compile_options());
  diags.append(c.diags);
  c.diags = std::move(diags);
  return c;
}

}  // namespace ringfence::fuzz
