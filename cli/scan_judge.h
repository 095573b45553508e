// `audit scan`'s judging: which profile or benchmark judges each container
// found, the plans compiled once per (profile, rootfs), and the checks run
// on a few threads (each check mostly waits on /proc and ptrace).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ringfence/audit/containers.h"
#include "ringfence/audit/findings.h"
#include "ringfence/policy/profile_map.h"
#include "ringfence/runtime/state.h"

namespace ringfence::cli {

// A container found, with what ringfence knows of its own sandboxes.
struct ScanSubject {
  audit::FoundContainer found;
  std::optional<runtime::SandboxState> sandbox;  // ringfence's own: its state
};

struct ScanChoice {
  std::vector<std::string> profiles;     // judge against these (stacked) ...
  std::string benchmark;                 // ... or against this benchmark
  bool own_profile = false;              // ringfence's sandbox: the profile it was started with
};

struct ScanPolicy {
  std::vector<std::string> profiles;                 // --profile
  std::string benchmark;                             // --benchmark ("" = not given)
  std::optional<policy::ProfileMap> map;             // --profile-map
  std::string site_policy;                           // for ringfence-oci containers' bundles
};

// The first that applies: a map rule, --profile, --benchmark, the sandbox's
// own profile (ringfence's), else the cis-docker benchmark.
ScanChoice choose(const ScanPolicy& policy, const ScanSubject& subject);

struct ScanOutcome {
  std::vector<audit::Report> reports;   // one per container judged, in the order found
  std::vector<std::string> problems;    // containers that could not be judged, and why
};

// Judges every running, started container of `subjects` on up to `jobs`
// threads. Those not running (or only created) are left out, named in
// `problems` only when they could not be read.
ScanOutcome judge_all(const ScanPolicy& policy, const std::vector<ScanSubject>& subjects, unsigned jobs);

}  // namespace ringfence::cli
