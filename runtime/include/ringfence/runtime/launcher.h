// `ringfence run`: carry out a plan — the parent's steps, the clone, the
// child's steps, the exec — and supervise the program until it ends.
#pragma once

#include <string>
#include <vector>

#include "ringfence/audit/log_writer.h"
#include "ringfence/policy/learn.h"
#include "ringfence/policy/overrides.h"
#include "ringfence/policy/plan.h"

namespace ringfence::runtime {

struct LaunchOptions {
  std::string name;  // the sandbox's id
  std::string state_root;
  std::vector<std::string> argv;
  std::string rootfs;  // "" = the host's root
  bool detach = false;
  bool auto_remove = false;  // remove the state when the program ends
  std::vector<std::string> profile_refs;
  policy::DockerFlags flags;
  std::string audit_log;  // where events go (docs/audit.md); "" = none
  audit::FsyncPolicy audit_fsync = audit::FsyncPolicy::Batch;
  // `ringfence learn` (a plan compiled with CompileOptions::learn): the
  // supervisor fills it with the calls it let through. Not with detach.
  policy::LearnedCalls* learned = nullptr;
};

// Returns the exit code for ringfence: the program's status, 128+N for a
// signal, 125 when ringfence failed, 126/127 when the program could not be
// executed or found.
int run_sandbox(const policy::Plan& plan, const LaunchOptions& options);

}  // namespace ringfence::runtime
