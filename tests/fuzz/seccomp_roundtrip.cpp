// Property (a) of docs/reliability.md: a profile that compiles, exported as
// `ringfence export --format docker-seccomp` writes it and read back as a
// seccomp base (`[seccomp] base = "FILE.json"`), decides every syscall
// number of x86_64, x86 and x32 as the original does — for a few argument
// vectors, among them the values the rules compare with. ringfence has no
// TOML printer of a Profile; the seccomp filter is the part of a plan that
// leaves ringfence in another format and comes back, so it is the part
// whose round trip must be exact.
#include <seccomp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>

#include "fuzz_support.h"
#include "profile_common.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/seccomp_base.h"
#include "ringfence/policy/seccomp_query.h"
#include "ringfence/policy/seccomp_vocab.h"

using namespace ringfence;

namespace {

using Args = std::array<std::uint64_t, 6>;

constexpr int kHighestNr = 600;  // above every x86 family table of libseccomp 2.5
constexpr std::uint32_t kX32Bit = 0x40000000;

const policy::SeccompFilter* filter_of(const policy::Compiled& c) {
  return c.plan->params<policy::StepKind::SeccompCompile>();
}

policy::SeccompAction decide(const policy::SeccompFilter& f, const policy::SeccompRuleIndex& index,
                             const std::string& name, const Args& args) {
  const policy::SeccompRule* rule = index.match(name, args);
  return rule ? rule->action : f.default_action;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto original = fuzz::compile_fuzzed_profile(fuzz::as_text(data, size));
  if (!original || !original->ok()) return 0;
  const policy::SeccompFilter* before = filter_of(*original);
  if (before == nullptr) return 0;  // privileged, or seccomp off: nothing is exported

  const std::string json = policy::export_seccomp_json(*before);
  const std::string path = fuzz::write_scratch("exported.json", json);
  const std::string reader = "[profile]\nname = \"read-back\"\n\n[seccomp]\nbase = \"" + path + "\"\n";
  policy::Diagnostics diags;
  auto layer = policy::read_layer(reader, "read-back.toml", 0, diags);
  FUZZ_CHECK(layer.has_value(), "the reading profile is TOML");
  std::vector<policy::Layer> layers;
  layers.push_back(std::move(*layer));
  const policy::Compiled back = policy::compile_layers(std::move(layers), fuzz::fuzz_compile_options());
  if (!back.ok()) std::fprintf(stderr, "%s\n--- exported:\n%s\n", back.diags.format().c_str(), json.c_str());
  FUZZ_CHECK(back.ok(), "what export writes, import reads");
  const policy::SeccompFilter* after = filter_of(back);
  FUZZ_CHECK(after != nullptr, "the read-back plan has a filter");
  FUZZ_CHECK(after->default_action == before->default_action, "same default action");
  FUZZ_CHECK(after->enosys_above == before->enosys_above, "same ENOSYS threshold per architecture");

  // Argument vectors: nothing, everything, and each value a rule compares with.
  std::set<std::uint64_t> values = {0, ~std::uint64_t{0}, 1};
  for (const auto& r : before->rules)
    for (const auto& c : r.conditions)
      if (values.size() < 12) {
        values.insert(c.value);
        values.insert(c.value + 1);
        values.insert(c.value - 1);
      }
  std::vector<Args> vectors;
  for (const auto v : values) vectors.push_back({v, v, v, v, v, v});

  const policy::SeccompRuleIndex index_before(*before), index_after(*after);
  const std::array<std::uint32_t, 3> arches = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
  for (const auto arch : arches) {
    for (int n = 0; n <= kHighestNr; ++n) {
      const int nr = arch == SCMP_ARCH_X32 ? static_cast<int>(kX32Bit | static_cast<std::uint32_t>(n)) : n;
      const std::string name = policy::seccomp_syscall_name(arch, nr);
      if (name.empty()) continue;  // no such call: the default (or ENOSYS) for both, checked above
      for (const auto& args : vectors) {
        const auto a = decide(*before, index_before, name, args);
        const auto b = decide(*after, index_after, name, args);
        if (!(a == b))
          std::fprintf(stderr, "%s on %s (nr %d), args all %#llx: %s/%d before, %s/%d after\n", name.c_str(),
                       policy::seccomp_arch_name(arch).c_str(), nr, static_cast<unsigned long long>(args[0]),
                       policy::seccomp_action_name(a.kind), a.errno_value, policy::seccomp_action_name(b.kind),
                       b.errno_value);
        FUZZ_CHECK(a == b, "the read-back filter decides every syscall as the original");
      }
    }
  }
  return 0;
}
