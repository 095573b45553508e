// Helpers shared by the policy unit tests.
#pragma once

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/loader.h"

namespace ringfence::test {

// Tests name data files relative to the source tree, so that the paths in
// messages are stable: run from there.
inline void enter_source_dir() {
  static const bool done = [] { return chdir(RINGFENCE_SOURCE_DIR) == 0; }();
  (void)done;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compiles TOML text given inline, as file `name`.
inline policy::Compiled compile_text(const std::string& text, const std::string& name = "test.toml",
                                     const policy::CompileOptions& options = {}) {
  policy::Diagnostics diags;
  auto layer = policy::read_layer(text, name, 0, diags);
  policy::Compiled c;
  if (!layer) {
    c.diags = diags;
    return c;
  }
  std::vector<policy::Layer> layers;
  if (layer->data.profile.extends.is_set()) {
    layers = policy::load_chain(layer->data.profile.extends.value, diags, layer->data.profile.extends.origin);
  }
  layers.push_back(std::move(*layer));
  c = policy::compile_layers(std::move(layers), options);
  diags.append(c.diags);
  c.diags = diags;
  return c;
}

}  // namespace ringfence::test
