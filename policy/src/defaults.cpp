#include "ringfence/policy/defaults.h"

#include "ringfence/policy/merge.h"

namespace ringfence::policy {

const std::vector<std::string>& docker_default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",      "CAP_MKNOD",
      "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",     "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE",
  };
  return caps;
}

const std::vector<std::string>& docker_masked_paths() {
  static const std::vector<std::string> paths = {
      "/proc/asound",        "/proc/acpi",        "/proc/kcore",       "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",          "/sys/firmware",
  };
  return paths;
}

const std::vector<std::string>& docker_readonly_paths() {
  static const std::vector<std::string> paths = {
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
  };
  return paths;
}

const std::vector<std::string>& host_view_paths() {
  // Programs and their libraries (symlinks into /usr on a merged-/usr
  // system), and the host's configuration minus its secrets, which
  // mount.hide-runtime covers.
  static const std::vector<std::string> paths = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"};
  return paths;
}

namespace {
StringList unlocated(const std::vector<std::string>& values) {
  StringList out;
  for (const auto& v : values) out.push_back(Located<std::string>{v, {}, 0});
  return out;
}
}  // namespace

Profile builtin_defaults() {
  Profile p;
  p.profile.schema.value = 1;
  p.profile.privileged.value = false;
  p.user.ns.enabled.value = false;
  p.user.ns.setgroups.value = "deny";
  p.ipc.mode.value = "private";
  p.ipc.shm_size.value = ByteSize{kDefaultShmSize, false};
  p.suid.no_new_privileges.value = true;  // Docker: false. Safer by default.
  p.suid.nosuid.value = true;
  p.suid.strip.value = "off";
  p.seccomp.enabled.value = true;
  p.seccomp.base.value = "default";
  p.seccomp.default_action.value = "errno";
  p.seccomp.default_errno.value = ErrnoValue{1};  // EPERM, as Docker
  p.seccomp.audit.value = true;  // refusals recorded (docs/audit.md, "Denials")
  p.apparmor.optional.value = false;
  p.apparmor.generate.value = false;
  p.selinux.disable.value = false;
  p.selinux.optional.value = false;
  p.landlock.optional.value = false;
  p.filesystem.readonly_root.value = false;
  p.filesystem.masked_paths.value = unlocated(docker_masked_paths());
  p.filesystem.readonly_paths.value = unlocated(docker_readonly_paths());
  p.network.mode.value = "none";  // Docker: a bridge. ringfence has no network but loopback by default.
  p.namespaces.pid.value = "private";
  p.namespaces.uts.value = "private";
  p.namespaces.cgroup.value = "private";
  p.namespaces.time.value = "host";  // as Docker: the host's clocks
  p.process.cwd.value = "/";
  p.process.hostname.value = kDefaultHostname;
  p.process.init.value = true;
  p.process.umask.value = FileMode{kDefaultUmask};
  p.process.env.value["PATH"] = Located<std::string>{kDefaultPath, {}, 0};
  return p;
}

}  // namespace ringfence::policy
