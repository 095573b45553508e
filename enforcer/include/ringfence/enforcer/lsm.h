// AppArmor (libapparmor) and SELinux (libselinux). On a kernel without the
// LSM these report it; whether that is a failure or a warning is the
// profile's `optional`, decided by the runtime.
#pragma once

#include <string>

#include "ringfence/base/result.h"
#include "ringfence/base/status.h"
#include "ringfence/policy/plan.h"

namespace ringfence::enforcer {

// Whether the kernel has the module on. An error, not "off", when the
// library that tells cannot be loaded (lsm.cpp): nobody knows then.
Result<bool> apparmor_enabled();
Result<bool> selinux_enabled();

// apparmor.check: AppArmor is enabled, and the profile is loaded (a
// generated one is first loaded with apparmor_parser).
Status apparmor_prepare(const policy::AppArmorParams& params);
// apparmor.exec-label: confine the program from its exec on.
Status apparmor_exec_label(const policy::AppArmorParams& params);

// selinux.check: SELinux is enabled and the label is a valid context.
Status selinux_prepare(const policy::SELinuxParams& params);
// selinux.exec-label
Status selinux_exec_label(const policy::SELinuxParams& params);
// -v …:z / :Z: every file under `path` gets `context` (not following
// symlinks), as Docker's label.Relabel. Refuses the host's system
// directories (/, /usr, /etc…), whose relabelling would break the host.
Status selinux_relabel_tree(const std::string& path, const std::string& context);

// Writes `value` to the attribute file `path` only if the descriptor opened
// for it (without following a final symlink) is on procfs: a rootfs, a
// volume or a mount over /proc cannot turn the write into one to a plain
// file, which would leave the program unconfined (CVE-2019-16884,
// CVE-2025-52881). The check is on the file written, not its directory.
Status write_proc_attr(const std::string& path, const std::string& value);

}  // namespace ringfence::enforcer
