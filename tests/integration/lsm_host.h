// Which Linux security modules this host enforces, asked the way ringfence
// asks (libapparmor's aa_is_enabled reads the first file; SELinux is on when
// selinuxfs is mounted), so that a test expects what ringfence will do:
// fail closed or skip where a module is off, confine where it is on.
#pragma once

#include <string>

#include "harness.h"

namespace ringfence::itest {

inline bool host_has_apparmor() {
  return read_text("/sys/module/apparmor/parameters/enabled") == "Y\n" && exists("/sys/kernel/security/apparmor");
}

inline bool host_has_selinux() { return exists("/sys/fs/selinux/enforce"); }

}  // namespace ringfence::itest
