// Rewrites tests/data/golden/*.plan.json from the shipped profiles, and
// tests/data/golden/corpus.txt (golden.h), after a
// reviewed change of the compiler or a profile:
//   cmake --build BUILD --target update-golden && git diff tests/data/golden
// Not a test and not built by default: the test (Shipped.MatchesItsGoldenPlan)
// only compares, so a run of the suite can never bless its own output.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "../unit/policy/golden.h"
#include "ringfence/policy/loader.h"

namespace {

// Writes `text` to `path` unless it holds it already; false when it cannot.
bool update(const std::string& path, const std::string& text) {
  std::ostringstream old;
  old << std::ifstream(path).rdbuf();
  if (old.str() == text) {
    std::cout << path << ": unchanged\n";
    return true;
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "update_golden: cannot write " << path << "\n";
    return false;
  }
  std::cout << path << ": rewritten; review it with git diff\n";
  return true;
}

}  // namespace

int main() {
  using namespace ringfence;
  if (chdir(RINGFENCE_SOURCE_DIR) != 0) {
    std::cerr << "update_golden: cannot chdir to " << RINGFENCE_SOURCE_DIR << "\n";
    return 1;
  }
  int status = 0;
  for (const auto& name : policy::shipped_profile_names()) {
    const auto c = policy::compile({name});
    if (!c.ok() || !c.diags.empty()) {
      // A profile that does not compile cleanly has no golden plan to bless.
      std::cerr << "update_golden: " << name << ":\n" << c.diags.format();
      status = 1;
      continue;
    }
    if (!update(test::golden_path(name), test::golden_plan_text(c))) status = 1;
  }
  if (!update(test::golden_corpus_path(), test::golden_corpus_text())) status = 1;
  return status;
}
