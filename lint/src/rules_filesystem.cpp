// Filesystem, mounts, devices and /dev/shm: what of the host the sandbox can
// see or change through its mounts.
#include <linux/capability.h>

#include <algorithm>

#include <fmt/core.h>
#include <fmt/format.h>

#include "context.h"
#include "ringfence/policy/defaults.h"
#include "ringfence/policy/sensitive_paths.h"

namespace ringfence::lint {
namespace {

// The profile entry behind a volume or tmpfs mount of the plan, for its line.
policy::SourceLocation volume_at(const Context& c, const std::string& target) {
  const auto& items = c.profile.filesystem.volumes.items;
  for (auto it = items.rbegin(); it != items.rend(); ++it)
    if (it->target.value == target) return it->loc;
  return c.subject;
}

policy::SourceLocation tmpfs_at(const Context& c, const std::string& target) {
  const auto& items = c.profile.filesystem.tmpfs.items;
  for (auto it = items.rbegin(); it != items.rend(); ++it)
    if (it->path.value == target) return it->loc;
  return c.subject;
}

template <policy::StepKind K>
std::vector<policy::MountEntry> mounts(const Context& c) {
  if (const auto* m = c.plan.params<K>()) return m->mounts;
  return {};
}

void writable_root(const Context& c, Findings& f) {
  if (!c.profile.filesystem.readonly_root.value)
    f.fail(c.at({c.profile.filesystem.readonly_root.origin}),
           "the root filesystem is writable (with --rootfs): the program can change its own binaries");
}

void sensitive_host_path(const Context& c, Findings& f) {
  for (const auto& m : mounts<policy::StepKind::MountVolumes>(c))
    if (m.type == "bind")
      if (auto why = policy::sensitive_host_path(m.source))
        f.fail(volume_at(c, m.target), fmt::format("volume {} -> {}: {}", m.source, m.target, *why));
}

void writable_bind(const Context& c, Findings& f) {
  for (const auto& m : mounts<policy::StepKind::MountVolumes>(c))
    if (m.type == "bind" && !m.readonly)
      f.fail(volume_at(c, m.target),
             fmt::format("volume {} -> {} is writable: the sandbox can change host files", m.source, m.target));
}

void nosuid_nodev(const Context& c, Findings& f) {
  auto check = [&](const policy::MountEntry& m, const policy::SourceLocation& at) {
    if (m.readonly || (m.nosuid && m.nodev)) return;
    std::vector<std::string> missing;
    if (!m.nosuid) missing.push_back("nosuid");
    if (!m.nodev) missing.push_back("nodev");
    f.fail(at, fmt::format("writable mount {} lacks {}", m.target, fmt::join(missing, " and ")));
  };
  for (const auto& m : mounts<policy::StepKind::MountVolumes>(c)) check(m, volume_at(c, m.target));
  for (const auto& m : mounts<policy::StepKind::MountTmpfs>(c)) check(m, tmpfs_at(c, m.target));
}

void suid_usable(const Context& c, Findings& f) {
  if (c.plan.has(policy::StepKind::ProcessNoNewPrivileges) || c.plan.has(policy::StepKind::SuidStrip)) return;
  const auto* root = c.plan.params<policy::StepKind::MountRootfs>();
  if (root && root->nosuid) return;
  f.fail(c.at({c.profile.suid.strip.origin, c.profile.suid.no_new_privileges.origin,
               c.profile.profile.privileged.origin}),
         "setuid and setgid binaries keep their power: no_new_privileges is off, the root is not nosuid and "
         "the bits are not stripped");
}

// Which of `wanted` the plan's step leaves out.
template <policy::StepKind K>
std::vector<std::string> missing(const Context& c, const std::vector<std::string>& wanted) {
  const auto* p = c.plan.params<K>();
  std::vector<std::string> out;
  for (const auto& w : wanted)
    if (!p || std::find(p->paths.begin(), p->paths.end(), w) == p->paths.end()) out.push_back(w);
  return out;
}

void unmasked(const Context& c, Findings& f) {
  const auto gaps = missing<policy::StepKind::MountMaskedPaths>(c, policy::docker_masked_paths());
  if (!gaps.empty())
    f.fail(c.at({c.profile.filesystem.masked_paths.origin, c.profile.profile.privileged.origin}),
           fmt::format("kernel paths Docker masks are visible: {}", fmt::join(gaps, " ")));
}

void tunables_writable(const Context& c, Findings& f) {
  const auto gaps = missing<policy::StepKind::MountReadonlyPaths>(c, policy::docker_readonly_paths());
  if (!gaps.empty())
    f.fail(c.at({c.profile.filesystem.readonly_paths.origin, c.profile.profile.privileged.origin}),
           fmt::format("kernel tunables Docker makes read-only are writable: {}", fmt::join(gaps, " ")));
  const auto* sys = c.plan.params<policy::StepKind::MountSys>();
  if (sys && !sys->readonly) f.fail(c.at({c.profile.profile.privileged.origin}), "/sys is writable");
}

// Character devices that are the kernel's or the machine's memory.
bool memory_device(const policy::DeviceEntry& d) {
  return d.major.value.value == 1 && (d.minor.value.value == 1 || d.minor.value.value == 2 || d.minor.value.value == 4);
}

void host_devices(const Context& c, Findings& f) {
  if (const auto* dev = c.plan.params<policy::StepKind::MountDev>(); dev && dev->host)
    f.fail(c.at({c.profile.profile.privileged.origin}), "the host's /dev is bound into the sandbox: every device");
  for (const auto& d : c.profile.devices.allow.items) {
    const std::string type = d.type.value.empty() ? "c" : d.type.value;
    const std::string name = d.path.is_set() ? d.path.value : fmt::format("{} device", type);
    if (type == "a")
      f.fail(d.loc, fmt::format("{}: type \"a\" allows every device", name));
    else if (d.major.is_set() && d.major.value.value < 0)
      f.fail(d.loc, fmt::format("{}: a wildcard major number allows a whole class of devices", name));
    else if (type == "b")
      f.fail(d.loc, fmt::format("{}: a block device gives raw access to a host disk", name));
    else if (memory_device(d) || name == "/dev/mem" || name == "/dev/kmem" || name == "/dev/port")
      f.fail(d.loc, fmt::format("{}: the host's memory or I/O ports", name));
  }
}

void device_creation(const Context& c, Findings& f) {
  if (!c.has_cap(CAP_MKNOD)) return;
  for (const auto& d : c.profile.devices.allow.items)
    if (d.access.value.find('m') != std::string::npos)
      f.fail(d.access.is_set() ? d.access.origin : d.loc,
             fmt::format("{}: access includes \"m\" and CAP_MKNOD is kept, so the program can create the node",
                         d.path.is_set() ? d.path.value : std::string("device rule")));
}

void large_shm(const Context& c, Findings& f) {
  const auto* dev = c.plan.params<policy::StepKind::MountDev>();
  if (dev && dev->shm && dev->shm_size > policy::kDefaultShmSize)
    f.fail(c.at({c.profile.ipc.shm_size.origin}),
           fmt::format("/dev/shm is {} MiB (Docker's default is 64 MiB): memory outside the cgroup's accounting "
                       "for a long time",
                       dev->shm_size / (1024 * 1024)));
}

constexpr Rule kFilesystemRules[] = {
    {"RF-FS-001", writable_root},   {"RF-FS-002", sensitive_host_path}, {"RF-FS-003", writable_bind},
    {"RF-FS-005", nosuid_nodev},    {"RF-FS-006", suid_usable},         {"RF-FS-007", unmasked},
    {"RF-FS-008", tunables_writable}, {"RF-DEV-001", host_devices},     {"RF-DEV-002", device_creation},
    {"RF-IPC-001", large_shm},
};

}  // namespace

std::span<const Rule> filesystem_rules() { return kFilesystemRules; }

}  // namespace ringfence::lint
