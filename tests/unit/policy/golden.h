// The golden plan of a shipped profile, and the golden corpus, each from one
// function for both of its users: shipped_profiles_test.cpp compares them
// with tests/data/golden, and tests/tools/update_golden.cpp (the
// `update-golden` target) rewrites those files. The test never writes: an
// update is a separate, reviewed command.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ringfence/base/sha256.h"
#include "ringfence/policy/compiler.h"
#include "ringfence/policy/loader.h"
#include "ringfence/policy/plan_json.h"

namespace ringfence::test {

inline std::string golden_path(const std::string& profile) { return "tests/data/golden/" + profile + ".plan.json"; }

// The plan as the golden file holds it; `c` is what compiled, for its
// diagnostics (a shipped profile compiles without any).
inline std::string golden_plan_text(const policy::Compiled& c) { return policy::plan_to_json(*c.plan).dump(2) + "\n"; }

// The corpus: many more profiles than the six shipped ones — every profile
// of tests/data (good and bad), and a profile over each seccomp base (the
// built-in one, Docker's and podman's JSON, none) with capability sets that
// open and close the bases' conditional rules, for several kernels, in learn
// mode or not — each line "CASE PLAN DIAGNOSTICS": the SHA-256 of the whole
// plan as JSON ("-" when it does not compile) and of every message. It holds
// the compiler's output still where a change must not alter it (making the
// seccomp resolver faster did), beyond what the golden plans cover.
inline std::string golden_corpus_path() { return "tests/data/golden/corpus.txt"; }

inline std::string corpus_line(const std::string& name, const policy::Compiled& c) {
  const std::string plan = c.plan ? sha256_hex(policy::plan_to_json(*c.plan).dump()) : "-";
  return fmt::format("{} {} {}\n", name, plan, sha256_hex(c.diags.format()));
}

// `text` read as the file `name`, with what it extends.
inline policy::Compiled compile_corpus_case(const std::string& text, const std::string& name,
                                            const policy::CompileOptions& options) {
  policy::Compiled failed;
  auto layer = policy::read_layer(text, name, 0, failed.diags);
  if (!layer) return failed;
  std::vector<policy::Layer> layers;
  if (layer->data.profile.extends.is_set())
    layers = policy::load_chain(layer->data.profile.extends.value, failed.diags, layer->data.profile.extends.origin);
  layers.push_back(std::move(*layer));
  auto c = policy::compile_layers(std::move(layers), options);
  failed.diags.append(c.diags);
  c.diags = std::move(failed.diags);
  return c;
}

// Every case of the corpus, in its order, given to `visit(name, compiled)`.
// Run from the source directory (paths in plans and messages are relative).
template <typename Visit>
void for_each_corpus_case(Visit visit) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator("tests/data"))
    if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  policy::CompileOptions fixed_kernel;
  fixed_kernel.kernel_release = "6.1.0";  // min_kernel rules decided the same on every machine
  for (const auto& f : files) {
    policy::Diagnostics diags;
    auto layers = policy::load_chain(f, diags);
    policy::Compiled c;
    if (!diags.has_errors()) c = policy::compile_layers(std::move(layers), fixed_kernel);
    diags.append(c.diags);
    c.diags = std::move(diags);
    visit(f, c);
  }
  const std::vector<std::string> bases = {"", "base = \"docker-default-seccomp.json\"",
                                          "base = \"podman-default-seccomp.json\"", "base = \"none\""};
  const std::vector<std::string> caps = {"", "add = [\"ALL\"]", "add = [\"SYS_ADMIN\", \"SYS_PTRACE\", \"SYS_TIME\"]",
                                         "drop = [\"ALL\"]"};
  const std::vector<std::string> parents = {"default", "strict", "application"};
  for (const auto& parent : parents)
    for (const auto& base : bases)
      for (const auto& cap : caps)
        for (const std::string kernel : {"3.10.0", "4.8.0", "6.1.0"})
          for (const bool learn : {false, true}) {
            const std::string text = fmt::format(
                "[profile]\nname = \"corpus\"\nextends = \"{}\"\n[capabilities]\n{}\n[seccomp]\n{}\n", parent, cap, base);
            policy::CompileOptions options;
            options.kernel_release = kernel;
            options.learn = learn;
            // Named as a file in tests/data, so that the bases' relative paths resolve there.
            const auto c = compile_corpus_case(text, "tests/data/corpus-case.toml", options);
            visit(fmt::format("{}|{}|{}|{}|{}", parent, base, cap, kernel, learn ? "learn" : "run"), c);
          }
}

inline std::string golden_corpus_text() {
  std::string out;
  for_each_corpus_case([&](const std::string& name, const policy::Compiled& c) { out += corpus_line(name, c); });
  return out;
}

}  // namespace ringfence::test
