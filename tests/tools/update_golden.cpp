// Rewrites tests/data/golden/*.plan.json from the shipped profiles, after a
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
    const std::string path = test::golden_path(name);
    const std::string text = test::golden_plan_text(c);
    std::ostringstream old;
    old << std::ifstream(path).rdbuf();
    if (old.str() == text) {
      std::cout << path << ": unchanged\n";
      continue;
    }
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::cerr << "update_golden: cannot write " << path << "\n";
      status = 1;
      continue;
    }
    std::cout << path << ": rewritten; review it with git diff\n";
  }
  return status;
}
