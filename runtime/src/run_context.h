// Everything the steps of one sandbox share. The parent fills in the first
// part before clone; the child starts with a copy of it and adds its own.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ringfence/enforcer/cgroup.h"
#include "ringfence/enforcer/fd.h"
#include "ringfence/enforcer/identity.h"
#include "ringfence/enforcer/seccomp_compile.h"
#include "ringfence/runtime/launcher.h"

namespace ringfence::runtime {

struct RunContext {
  RunContext(const policy::Plan& p, const LaunchOptions& o) : plan(p), options(o) {}

  const policy::Plan& plan;
  const LaunchOptions& options;
  std::string staging;  // where the new root is assembled (host path)

  // Filled by the parent's steps before clone.
  std::optional<enforcer::CompiledFilter> filter;
  enforcer::CgroupLayout cgroup_layout;
  std::optional<enforcer::Cgroup> cgroup;
  std::set<std::string> skipped;  // optional steps skipped because the kernel lacks the feature
  std::vector<std::string> suid_files;  // found by suid.scan, relative to the root
  std::vector<std::string> hide_paths;  // host paths covered inside by mount.hide-runtime
  bool in_user_namespace = false;

  // The parent's view of the child.
  pid_t child = -1;

  // The child's own.
  int sync_fd = -1;
  enforcer::Fd staging_fd;  // the staging directory, until pivot_root
  std::optional<enforcer::Identity> identity;

  // Where a step reports a skipped optional feature (printed, and later
  // written to the audit log).
  std::function<void(const std::string& step, const std::string& text)> warn;
};

}  // namespace ringfence::runtime
