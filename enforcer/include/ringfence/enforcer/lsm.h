// AppArmor (libapparmor) and SELinux (libselinux). On a kernel without the
// LSM these report it; whether that is a failure or a warning is the
// profile's `optional`, decided by the runtime.
#pragma once

#include <string>

#include "ringfence/enforcer/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// apparmor.check: AppArmor is enabled, and the profile is loaded (a
// generated one is first loaded with apparmor_parser).
bool apparmor_enabled();
Status apparmor_prepare(const policy::AppArmorParams& params);
// apparmor.exec-label: confine the program from its exec on.
Status apparmor_exec_label(const policy::AppArmorParams& params);

// selinux.check: SELinux is enabled and the label is a valid context.
bool selinux_enabled();
Status selinux_prepare(const policy::SELinuxParams& params);
// selinux.exec-label
Status selinux_exec_label(const policy::SELinuxParams& params);

// The /proc that LSM attributes are written through must be a real procfs,
// not a file in the rootfs (CVE-2019-16884).
Status check_proc_is_procfs();

}  // namespace ringfence::enforcer
