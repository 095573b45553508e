#include "ringfence/audit/findings.h"

namespace ringfence::audit {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Unknown: return "unknown";
    case Outcome::Suppressed: return "suppressed";
  }
  return "fail";
}

Tally tally(const Report& report) {
  Tally t;
  for (const auto& f : report.findings) {
    switch (f.outcome) {
      case Outcome::Pass: ++t.pass; break;
      case Outcome::Fail: ++t.fail; break;
      case Outcome::Unknown: ++t.unknown; break;
      case Outcome::Suppressed: ++t.suppressed; break;
    }
  }
  return t;
}

}  // namespace ringfence::audit
