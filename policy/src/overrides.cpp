#include "ringfence/policy/overrides.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <sys/sysmacros.h>

#include <fmt/format.h>

#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

SourceLocation flag(const char* name, const std::string& value) {
  return SourceLocation{fmt::format("{} {}", name, value), 0, 0};
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

bool byte_size(const std::string& text, const SourceLocation& at, Setting<ByteSize>& out, Diagnostics& diags,
               bool allow_unlimited) {
  if (allow_unlimited && (text == "-1" || text == "unlimited")) {
    out = setting_at(ByteSize{0, true}, at);
    return true;
  }
  auto bytes = parse_byte_size(text);
  if (!bytes) {
    diags.error(at, fmt::format("'{}' is not a size (examples: 512k, 64m, 1.5g)", text));
    return false;
  }
  out = setting_at(ByteSize{*bytes, false}, at);
  return true;
}

bool integer(const std::string& text, const SourceLocation& at, Setting<std::int64_t>& out, Diagnostics& diags) {
  auto n = parse_u64(text);
  if (!n) {
    diags.error(at, fmt::format("'{}' is not a number", text));
    return false;
  }
  out = setting_at(static_cast<std::int64_t>(*n), at);
  return true;
}

// --device /dev/fuse[:/dev/fuse][:rwm]: Docker reads the node's numbers from
// the host.
void device(const std::string& spec, Profile& p, Diagnostics& diags) {
  const auto at = flag("--device", spec);
  auto parts = split(spec, ':');
  const std::string host = parts[0];
  std::string inside = host;
  std::string access = "rwm";
  if (parts.size() == 2) {
    if (!parts[1].empty() && parts[1][0] == '/') inside = parts[1];
    else access = parts[1];
  } else if (parts.size() == 3) {
    inside = parts[1];
    access = parts[2];
  } else if (parts.size() > 3) {
    diags.error(at, "expected HOST[:CONTAINER[:PERMISSIONS]]");
    return;
  }
  struct stat st {};
  if (stat(host.c_str(), &st) != 0) {
    diags.error(at, fmt::format("cannot stat '{}': {}", host, std::strerror(errno)));
    return;
  }
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    diags.error(at, fmt::format("'{}' is not a device node", host));
    return;
  }
  DeviceEntry d;
  d.loc = at;
  d.path = setting_at(inside, at);
  d.type = setting_at(std::string(S_ISCHR(st.st_mode) ? "c" : "b"), at);
  d.major = setting_at(DeviceNumber{static_cast<std::int64_t>(major(st.st_rdev))}, at);
  d.minor = setting_at(DeviceNumber{static_cast<std::int64_t>(minor(st.st_rdev))}, at);
  d.access = setting_at(access, at);
  d.mode = setting_at(FileMode{st.st_mode & 07777}, at);
  p.devices.allow.items.push_back(std::move(d));
}

// --device-read-bps /dev/vda:1mb and its kin: DEVICE:VALUE (split at the
// last colon), the device a block node on this host. The entry of the same
// device in this layer gets the limit, so that one device is one entry.
IoDeviceEntry* io_device(const char* name, const std::string& spec, Profile& p, std::string& value,
                         Diagnostics& diags) {
  const auto at = flag(name, spec);
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    diags.error(at, "expected DEVICE:VALUE (a block device such as /dev/sda, and a rate or weight)");
    return nullptr;
  }
  const std::string node = spec.substr(0, colon);
  value = spec.substr(colon + 1);
  struct stat st {};
  if (stat(node.c_str(), &st) != 0) {
    diags.error(at, fmt::format("cannot stat '{}': {}", node, std::strerror(errno)));
    return nullptr;
  }
  if (!S_ISBLK(st.st_mode)) {
    diags.error(at, fmt::format("'{}' is not a block device", node));
    return nullptr;
  }
  const auto maj = static_cast<std::int64_t>(major(st.st_rdev)), min = static_cast<std::int64_t>(minor(st.st_rdev));
  auto& items = p.resources.io_devices.items;
  for (auto& e : items)
    if (e.major.value == maj && e.minor.value == min) return &e;
  IoDeviceEntry e;
  e.loc = at;
  e.major = setting_at(maj, at);
  e.minor = setting_at(min, at);
  items.push_back(std::move(e));
  return &items.back();
}

void block_io(const DockerFlags& f, Profile& p, Diagnostics& diags) {
  if (f.blkio_weight) integer(*f.blkio_weight, flag("--blkio-weight", *f.blkio_weight), p.resources.io_weight, diags);
  std::string value;
  for (const auto& spec : f.blkio_weight_devices)
    if (auto* e = io_device("--blkio-weight-device", spec, p, value, diags))
      integer(value, flag("--blkio-weight-device", spec), e->weight, diags);
  for (const auto& [name, specs, field] : {std::tuple{"--device-read-bps", &f.device_read_bps, &IoDeviceEntry::read_bps},
                                           std::tuple{"--device-write-bps", &f.device_write_bps, &IoDeviceEntry::write_bps}})
    for (const auto& spec : *specs)
      if (auto* e = io_device(name, spec, p, value, diags)) byte_size(value, flag(name, spec), e->*field, diags, false);
  for (const auto& [name, specs, field] :
       {std::tuple{"--device-read-iops", &f.device_read_iops, &IoDeviceEntry::read_iops},
        std::tuple{"--device-write-iops", &f.device_write_iops, &IoDeviceEntry::write_iops}})
    for (const auto& spec : *specs)
      if (auto* e = io_device(name, spec, p, value, diags)) integer(value, flag(name, spec), e->*field, diags);
}

void security_opt(const std::string& opt, Profile& p, Diagnostics& diags) {
  const auto at = flag("--security-opt", opt);
  const auto eq = opt.find_first_of("=:");
  const std::string key = opt.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
  if (key == "no-new-privileges") {
    if (value.empty() || value == "true") p.suid.no_new_privileges = setting_at(true, at);
    else if (value == "false") p.suid.no_new_privileges = setting_at(false, at);
    else diags.error(at, "no-new-privileges takes true or false");
  } else if (key == "seccomp") {
    if (value == "unconfined") {
      p.seccomp.enabled = setting_at(false, at);
    } else if (!value.empty()) {
      p.seccomp.enabled = setting_at(true, at);
      p.seccomp.base = setting_at(value, at);
    } else {
      diags.error(at, "seccomp= needs a file or \"unconfined\"");
    }
  } else if (key == "apparmor") {
    if (value.empty()) diags.error(at, "apparmor= needs a profile name or \"unconfined\"");
    else p.apparmor.profile = setting_at(value, at);
  } else if (key == "label") {
    // label=disable | label=user:U | label=role:R | label=type:T | label=level:L
    if (value == "disable") {
      p.selinux.disable = setting_at(true, at);
      return;
    }
    const auto colon = value.find(':');
    const std::string part = value.substr(0, colon);
    const std::string v = colon == std::string::npos ? "" : value.substr(colon + 1);
    if (part == "user") p.selinux.user = setting_at(v, at);
    else if (part == "role") p.selinux.role = setting_at(v, at);
    else if (part == "type") p.selinux.type = setting_at(v, at);
    else if (part == "level") p.selinux.level = setting_at(v, at);
    else diags.error(at, "label= takes disable, user:U, role:R, type:T or level:L");
  } else {
    diags.error(at, fmt::format("unknown security option '{}'{}", key,
                                did_you_mean(key, {"no-new-privileges", "seccomp", "apparmor", "label"})));
  }
}

// --tmpfs /run:rw,noexec,nosuid,size=65536k,mode=1777
void tmpfs(const std::string& spec, Profile& p, Diagnostics& diags) {
  const auto at = flag("--tmpfs", spec);
  const auto colon = spec.find(':');
  TmpfsEntry t;
  t.loc = at;
  t.path = setting_at(spec.substr(0, colon), at);
  if (colon != std::string::npos) {
    for (const auto& o : split(spec.substr(colon + 1), ',')) {
      if (o == "rw" || o == "ro" || o.empty()) {
        if (o == "ro") diags.error(at, "a read-only tmpfs is empty forever; drop 'ro'");
      } else if (o == "nosuid" || o == "suid") {
        t.nosuid = setting_at(o == "nosuid", at);
      } else if (o == "nodev" || o == "dev") {
        t.nodev = setting_at(o == "nodev", at);
      } else if (o == "noexec" || o == "exec") {
        t.noexec = setting_at(o == "noexec", at);
      } else if (o.starts_with("size=")) {
        byte_size(o.substr(5), at, t.size, diags, false);
      } else if (o.starts_with("mode=")) {
        auto m = parse_octal(o.substr(5));
        if (m) t.mode = setting_at(FileMode{*m}, at);
        else diags.error(at, fmt::format("'{}' is not an octal mode", o.substr(5)));
      } else {
        diags.error(at, fmt::format("unknown tmpfs option '{}'", o));
      }
    }
  }
  p.filesystem.tmpfs.items.push_back(std::move(t));
}

// -v /host:/inside[:ro,nosuid,nodev,noexec]
void volume(const std::string& spec, Profile& p, Diagnostics& diags) {
  const auto at = flag("--volume", spec);
  auto parts = split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3) {
    diags.error(at, "expected SOURCE:TARGET[:OPTIONS] (named volumes are not supported: give a host path)");
    return;
  }
  VolumeEntry v;
  v.loc = at;
  v.create = true;  // as docker run -v
  v.source = setting_at(parts[0], at);
  v.target = setting_at(parts[1], at);
  if (parts.size() == 3) {
    for (const auto& o : split(parts[2], ',')) {
      if (o == "ro" || o == "rw") v.readonly = setting_at(o == "ro", at);
      else if (o == "nosuid" || o == "suid") v.nosuid = setting_at(o == "nosuid", at);
      else if (o == "nodev" || o == "dev") v.nodev = setting_at(o == "nodev", at);
      else if (o == "noexec" || o == "exec") v.noexec = setting_at(o == "noexec", at);
      else if (o == "rbind" || o == "bind") v.recursive = setting_at(o == "rbind", at);
      else if (o == "z" || o == "Z") v.relabel = setting_at(std::string(o == "z" ? "shared" : "private"), at);
      else diags.error(at, fmt::format("unknown volume option '{}'", o));
    }
  }
  p.filesystem.volumes.items.push_back(std::move(v));
}

void ulimit(const std::string& spec, Profile& p, Diagnostics& diags) {
  const auto at = flag("--ulimit", spec);
  const auto eq = spec.find('=');
  if (eq == std::string::npos) {
    diags.error(at, "expected NAME=SOFT[:HARD]");
    return;
  }
  const std::string name = spec.substr(0, eq);
  const std::string value = spec.substr(eq + 1);
  auto number = [](const std::string& s) -> std::optional<std::uint64_t> {
    if (s == "-1" || s == "unlimited") return RlimitValue::kUnlimited;
    if (s.empty() || s[0] == '-') return std::nullopt;
    return parse_u64(s);
  };
  const auto colon = value.find(':');
  auto soft = number(value.substr(0, colon));
  auto hard = colon == std::string::npos ? soft : number(value.substr(colon + 1));
  if (!soft || !hard) {
    diags.error(at, fmt::format("'{}' is not a limit", value));
    return;
  }
  p.rlimits.value[name] = Located<RlimitValue>{RlimitValue{*soft, *hard}, at, 0};
  p.rlimits.origin = at;
}

}  // namespace

bool DockerFlags::empty() const {
  return cap_add.empty() && cap_drop.empty() && !privileged && !no_audit_denials && !read_only && !ipc && !shm_size && !network && !pid &&
         !uts && devices.empty() && security_opts.empty() && !user && !userns && group_add.empty() && !memory &&
         !memory_swap && !cpus && !cpu_shares && !cpuset_cpus && !pids_limit && !blkio_weight &&
         blkio_weight_devices.empty() && device_read_bps.empty() && device_write_bps.empty() &&
         device_read_iops.empty() && device_write_iops.empty() && tmpfs.empty() && volumes.empty() &&
         env.empty() && ulimits.empty() && !workdir && !hostname;
}

std::optional<Layer> layer_from_flags(const DockerFlags& f, Diagnostics& diags) {
  if (f.empty()) return std::nullopt;
  Layer layer;
  layer.file = kCommandLineLayer;
  layer.display = kCommandLineLayer;
  Profile& p = layer.data;
  for (const auto& c : f.cap_add) p.capabilities.add.items.push_back({c, flag("--cap-add", c), 0});
  for (const auto& c : f.cap_drop) p.capabilities.drop.items.push_back({c, flag("--cap-drop", c), 0});
  if (f.privileged) p.profile.privileged = setting_at(true, flag("--privileged", ""));
  if (f.no_audit_denials) p.seccomp.audit = setting_at(false, flag("--no-audit-denials", ""));
  if (f.read_only) p.filesystem.readonly_root = setting_at(true, flag("--read-only", ""));
  if (f.ipc) p.ipc.mode = setting_at(*f.ipc, flag("--ipc", *f.ipc));
  if (f.shm_size) byte_size(*f.shm_size, flag("--shm-size", *f.shm_size), p.ipc.shm_size, diags, false);
  if (f.network) p.network.mode = setting_at(*f.network, flag("--network", *f.network));
  if (f.pid) p.namespaces.pid = setting_at(*f.pid, flag("--pid", *f.pid));
  if (f.uts) p.namespaces.uts = setting_at(*f.uts, flag("--uts", *f.uts));
  for (const auto& d : f.devices) device(d, p, diags);
  for (const auto& o : f.security_opts) security_opt(o, p, diags);
  if (f.user) p.user.user = setting_at(*f.user, flag("--user", *f.user));
  if (f.userns) {
    const auto at = flag("--userns", *f.userns);
    if (*f.userns == "host") {
      p.user.ns.enabled = setting_at(false, at);
    } else if (*f.userns == "auto" || *f.userns == "private") {
      p.user.ns.enabled = setting_at(true, at);
      p.user.ns.automatic = setting_at(true, at);
    } else {
      diags.error(at, "--userns takes host, private or auto");
    }
  }
  if (!f.group_add.empty()) {
    StringList groups;
    for (const auto& g : f.group_add) groups.push_back({g, flag("--group-add", g), 0});
    p.user.groups = setting_at(groups, groups.front().loc);
  }
  if (f.memory) byte_size(*f.memory, flag("--memory", *f.memory), p.resources.memory, diags, false);
  if (f.memory_swap) byte_size(*f.memory_swap, flag("--memory-swap", *f.memory_swap), p.resources.memory_swap, diags, true);
  if (f.cpus) {
    const auto at = flag("--cpus", *f.cpus);
    if (auto c = parse_decimal(*f.cpus)) p.resources.cpus = setting_at(CpuCount{*c}, at);
    else diags.error(at, fmt::format("'{}' is not a number of CPUs", *f.cpus));
  }
  if (f.cpu_shares) integer(*f.cpu_shares, flag("--cpu-shares", *f.cpu_shares), p.resources.cpu_shares, diags);
  if (f.cpuset_cpus) p.resources.cpuset = setting_at(*f.cpuset_cpus, flag("--cpuset-cpus", *f.cpuset_cpus));
  if (f.pids_limit) {
    const auto at = flag("--pids-limit", *f.pids_limit);
    if (*f.pids_limit == "-1") p.resources.pids_limit = setting_at(std::int64_t{-1}, at);
    else integer(*f.pids_limit, at, p.resources.pids_limit, diags);
  }
  block_io(f, p, diags);
  for (const auto& t : f.tmpfs) tmpfs(t, p, diags);
  for (const auto& v : f.volumes) volume(v, p, diags);
  for (const auto& e : f.env) {
    const auto at = flag("--env", e);
    const auto eq = e.find('=');
    // Docker's -e NAME (no value) copies the caller's variable.
    std::string value;
    if (eq == std::string::npos) {
      const char* from_env = std::getenv(e.c_str());
      if (!from_env) continue;
      value = from_env;
    } else {
      value = e.substr(eq + 1);
    }
    p.process.env.value[e.substr(0, eq)] = Located<std::string>{value, at, 0};
    p.process.env.origin = at;
  }
  for (const auto& u : f.ulimits) ulimit(u, p, diags);
  if (f.workdir) p.process.cwd = setting_at(*f.workdir, flag("--workdir", *f.workdir));
  if (f.hostname) p.process.hostname = setting_at(*f.hostname, flag("--hostname", *f.hostname));
  return layer;
}

}  // namespace ringfence::policy
