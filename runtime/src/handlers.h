// Step handlers, grouped by where they run. Internal to the runtime.
#pragma once

#include "ringfence/enforcer/status.h"
#include "ringfence/policy/plan.h"
#include "run_context.h"

namespace ringfence::runtime::handlers {

using enforcer::Status;
using policy::Step;

// Parent, before clone (handlers_parent.cpp).
Status image_verify(const Step&, RunContext&);
Status seccomp_compile(const Step&, RunContext&);
Status apparmor_check(const Step&, RunContext&);
Status selinux_check(const Step&, RunContext&);
Status landlock_check(const Step&, RunContext&);
Status suid_scan(const Step&, RunContext&);
Status userns_ids(const Step&, RunContext&);
Status mount_sources(const Step&, RunContext&);
Status cgroup_create(const Step&, RunContext&);
Status devices_cgroup(const Step&, RunContext&);
Status namespaces_join(const Step&, RunContext&);
// Parent, after clone.
Status userns_maps(const Step&, RunContext&);
Status cgroup_attach(const Step&, RunContext&);
Status process_rlimits(const Step&, RunContext&);
Status oom_score_adj(const Step&, RunContext&);

// Child, the namespaces themselves (handlers_process.cpp).
Status userns_enter(const Step&, RunContext&);
Status net_loopback(const Step&, RunContext&);

// Child, filesystem (handlers_fs.cpp).
Status mount_propagation(const Step&, RunContext&);
Status mount_rootfs(const Step&, RunContext&);
Status suid_strip(const Step&, RunContext&);
Status mount_volumes(const Step&, RunContext&);
Status mount_tmpfs(const Step&, RunContext&);
Status mount_proc(const Step&, RunContext&);
Status mount_dev(const Step&, RunContext&);
Status devices_nodes(const Step&, RunContext&);
Status mount_sys(const Step&, RunContext&);
Status mount_hide_runtime(const Step&, RunContext&);
Status mount_pivot_root(const Step&, RunContext&);
Status mount_masked_paths(const Step&, RunContext&);
Status mount_readonly_paths(const Step&, RunContext&);
Status mount_readonly_root(const Step&, RunContext&);

// Child, the process (handlers_process.cpp).
Status dumpable_off(const Step&, RunContext&);
Status uts_hostname(const Step&, RunContext&);
Status apparmor_exec_label(const Step&, RunContext&);
Status selinux_exec_label(const Step&, RunContext&);
Status new_session(const Step&, RunContext&);
Status close_fds(const Step&, RunContext&);
Status process_cwd(const Step&, RunContext&);
Status caps_bounding(const Step&, RunContext&);
Status user_groups(const Step&, RunContext&);
Status user_ids(const Step&, RunContext&);
Status caps_sets(const Step&, RunContext&);
Status caps_ambient(const Step&, RunContext&);
Status no_new_privileges(const Step&, RunContext&);
Status landlock_restrict(const Step&, RunContext&);
Status seccomp_load(const Step&, RunContext&);
Status process_init(const Step&, RunContext&);
Status process_exec(const Step&, RunContext&);

}  // namespace ringfence::runtime::handlers
