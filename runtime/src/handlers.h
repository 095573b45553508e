// Step handlers, grouped by where they run, each taking the parameters of
// its kind (policy/include/ringfence/policy/step_kind.h); steps.cpp
// dispatches to them. Internal to the runtime.
#pragma once

#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"
#include "run_context.h"

namespace ringfence::runtime::handlers {

// Parent, before clone (handlers_parent.cpp).
Status image_verify(const policy::ImageParams&, RunContext&);
Status seccomp_compile(const policy::SeccompFilter&, RunContext&);
Status apparmor_check(const policy::AppArmorParams&, RunContext&);
Status selinux_check(const policy::SELinuxParams&, RunContext&);
Status landlock_check(const policy::LandlockParams&, RunContext&);
Status suid_scan(const policy::SuidParams&, RunContext&);
Status userns_ids(RunContext&);
Status mount_sources(RunContext&);
Status cgroup_create(const policy::CgroupParams&, RunContext&);
Status devices_cgroup(const policy::DeviceCgroupParams&, RunContext&);
Status namespaces_join(const policy::JoinParams&, RunContext&);
// Parent, after clone.
Status userns_maps(const policy::UserNsParams&, RunContext&);
Status cgroup_attach(RunContext&);
Status process_rlimits(const policy::RlimitsParams&, RunContext&);
Status oom_score_adj(const policy::OomScoreParams&, RunContext&);

// Child, the namespaces themselves (handlers_process.cpp).
Status userns_enter(RunContext&);
Status net_loopback(RunContext&);

// Child, filesystem (handlers_fs.cpp).
Status mount_propagation(const policy::PropagationParams&, RunContext&);
Status mount_rootfs(const policy::RootfsParams&, RunContext&);
Status suid_strip(RunContext&);
Status mount_volumes(const policy::MountsParams&, RunContext&);
Status mount_tmpfs(const policy::MountsParams&, RunContext&);
Status mount_proc(const policy::ProcParams&, RunContext&);
Status mount_dev(const policy::DevParams&, RunContext&);
Status devices_nodes(const policy::DeviceNodesParams&, RunContext&);
Status mount_sys(const policy::SysParams&, RunContext&);
Status mount_hide_runtime(RunContext&);
Status mount_pivot_root(RunContext&);
Status mount_masked_paths(const policy::PathsParams&, RunContext&);
Status mount_readonly_paths(const policy::PathsParams&, RunContext&);
Status mount_readonly_root(RunContext&);

// Child, the process (handlers_process.cpp).
Status dumpable_off(RunContext&);
Status uts_hostname(const policy::HostnameParams&, RunContext&);
Status namespaces_time(const policy::TimeNamespaceParams&, RunContext&);
Status apparmor_exec_label(const policy::AppArmorParams&, RunContext&);
Status selinux_exec_label(const policy::SELinuxParams&, RunContext&);
Status new_session(RunContext&);
Status close_fds(RunContext&);
Status process_cwd(const policy::CwdParams&, RunContext&);
Status caps_bounding(const policy::CapSets&, RunContext&);
Status user_groups(const policy::IdentityParams&, RunContext&);
Status user_ids(const policy::IdentityParams&, RunContext&);
Status caps_sets(const policy::CapSets&, RunContext&);
Status caps_ambient(const policy::CapSets&, RunContext&);
Status no_new_privileges(RunContext&);
Status landlock_restrict(const policy::LandlockParams&, RunContext&);
Status seccomp_load(RunContext&);
Status process_init(RunContext&);
Status process_exec(const policy::ExecParams&, RunContext&);

}  // namespace ringfence::runtime::handlers
