// What the linter and the compliance checker both produce: one verdict per
// control. A control is identified by a stable ID from the catalogue
// (controls.h), shared by the lint rule that judges a profile's setting and
// the compliance check that reads the same setting off a live process.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/diagnostic.h"

namespace ringfence::audit {

enum class Outcome {
  Pass,        // the control holds
  Fail,        // it does not: a finding
  Unknown,     // the kernel does not expose the fact (never counted as a pass)
  Suppressed,  // a finding the profile accepts, with a reason ([lint] ignore)
};
const char* outcome_name(Outcome outcome);  // "pass" | "fail" | "unknown" | "suppressed"

struct Report;
struct Tally {
  std::size_t pass = 0, fail = 0, unknown = 0, suppressed = 0;
  std::size_t total() const { return pass + fail + unknown + suppressed; }
};
Tally tally(const Report& report);

struct Finding {
  std::string control;  // "RF-CAP-001"
  Outcome outcome = Outcome::Fail;
  std::string message;  // one sentence for people, naming the setting or fact
  // Lint: the key in the profile that caused it (through `extends`).
  policy::SourceLocation where;
  // Compliance: what was read off the process versus what the plan expects,
  // e.g. observed "CapEff=000001ffffffffff (tid 4242)", expected "0000000000000400".
  std::string observed, expected;
  std::string suppression_reason;  // Suppressed only
};

// A container `audit scan` found, as its engine's state (or only /proc)
// describes it: the report on it says which container it is.
struct ContainerRef {
  std::string id;       // the engine's ID ("pid-1234" when only /proc shows it)
  std::string engine;   // ringfence, docker, podman, containerd, kubernetes, runc, crun or unknown
  std::string runtime;  // the OCI runtime whose state held it: ringfence, runc, crun ("" for /proc only)
  std::string name;     // a name the engine gave it, where its state says one
  std::string image;    // where the engine's state says it
  pid_t pid = 0;        // its init, on the host
  std::string source;   // the state file it was found in, or "/proc"
  std::map<std::string, std::string> annotations;  // the engine's labels (not rendered; for --profile-map)
};

// One subject judged: a profile (lint) or a process checked against a
// profile (compliance). It holds a finding for every control evaluated,
// passes included, so that JUnit can list each as a test case and SARIF as
// a result of kind "pass"; the text reporter leaves lint passes out.
struct Report {
  enum class Kind { Lint, Compliance };
  Kind kind = Kind::Lint;
  std::string subject;  // the profile path, or "pid:1234" / "sandbox:NAME"
  std::string profile;  // the profile judged against (the same as subject for lint)
  std::vector<Finding> findings;
  std::optional<ContainerRef> container;  // `audit scan`: the container judged
};

}  // namespace ringfence::audit
