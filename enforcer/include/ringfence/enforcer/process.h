// Steps on the process itself: dumpability, host name, descriptors, working
// directory, no_new_privs, rlimits and the OOM score.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// process.dumpable-off
Status set_not_dumpable();

// uts.hostname
Status set_hostname(const policy::HostnameParams& params);

// process.close-fds: every descriptor from 3 up is closed, except those in
// `keep`, which are made close-on-exec (the sync socket, the exec fd).
Status close_descriptors(const std::vector<int>& keep);

// process.cwd: chdir, then check the result is inside the root: a cwd that
// is a descriptor of the host (/proc/self/fd/N) must be impossible
// (CVE-2024-21626).
Status enter_cwd(const policy::CwdParams& params);

// process.no-new-privileges
Status set_no_new_privs();

// process.rlimits, from the parent, on the child.
Status apply_rlimits(pid_t pid, const policy::RlimitsParams& params);

// process.oom-score-adj, from the parent, on the child.
Status apply_oom_score(pid_t pid, const policy::OomScoreParams& params);

}  // namespace ringfence::enforcer

namespace ringfence::enforcer {

// net.loopback: a new network namespace starts with `lo` down.
Status bring_up_loopback();

// namespaces.time: a new time namespace for this process's children and its
// next exec, with the clocks' offsets written before anything is in it.
Status make_time_namespace(const policy::TimeNamespaceParams& params);

// process.new-session: setsid(), so the program has no controlling terminal
// and cannot push input into the caller's with TIOCSTI (CVE-2017-5226).
Status start_new_session();

}  // namespace ringfence::enforcer
