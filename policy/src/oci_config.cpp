// config.json -> OciBundle: the runtime spec's fields mapped onto the same
// profile keys a TOML profile has (docs/oci.md, "config.json fields"), each
// value located at its JSON path, so that what a bundle asks is judged,
// compiled and reported like a profile.
#include "ringfence/base/text_file.h"
#include "ringfence/policy/oci_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compile_context.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/seccomp_base.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

using nlohmann::json;

// Reads typed values out of config.json; every problem is a diagnostic at
// the JSON path ("BUNDLE/config.json:/process/args/0").
class Reader {
 public:
  Reader(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  SourceLocation at(const std::string& path) const { return SourceLocation{file_ + ":" + path, 0, 0}; }
  void error(const std::string& path, const std::string& message) { diags_.error(at(path), message); }
  void warning(const std::string& path, const std::string& message) { diags_.warning(at(path), message); }

  // The member `key` of `obj` if present and of the JSON type `T` reads as;
  // a wrong type is an error, absence is nullopt.
  template <class T>
  std::optional<T> get(const json& obj, const std::string& path, const char* key) {
    if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return std::nullopt;
    const json& v = obj[key];
    const std::string p = path + "/" + key;
    try {
      if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) return type_error(p, "a string");
      } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean()) return type_error(p, "true or false");
      } else if constexpr (std::is_integral_v<T>) {
        if (!v.is_number_integer()) return type_error(p, "an integer");
      } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        if (!v.is_array() || !std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); }))
          return type_error(p, "an array of strings");
      } else if constexpr (std::is_same_v<T, json>) {
        return v;
      }
      return v.get<T>();
    } catch (const std::exception& e) {
      error(p, e.what());
      return std::nullopt;
    }
  }
  // An object or array member, type-checked.
  const json* object(const json& obj, const std::string& path, const char* key) {
    return member(obj, path, key, true);
  }
  const json* array(const json& obj, const std::string& path, const char* key) { return member(obj, path, key, false); }

 private:
  template <class T = int>
  std::nullopt_t type_error(const std::string& path, const char* expected) {
    error(path, fmt::format("must be {}", expected));
    return std::nullopt;
  }
  const json* member(const json& obj, const std::string& path, const char* key, bool want_object) {
    if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return nullptr;
    const json& v = obj[key];
    if (want_object ? !v.is_object() : !v.is_array()) {
      error(path + "/" + key, want_object ? "must be an object" : "must be an array");
      return nullptr;
    }
    return &v;
  }

  std::string file_;
  Diagnostics& diags_;
};

// A path inside the container: absolute, and no ".." component (a
// destination that climbs out of the root).
bool container_path(Reader& r, const std::string& path, const std::string& value) {
  if (value.empty() || value.front() != '/') {
    r.error(path, fmt::format("'{}' must be an absolute path", value));
    return false;
  }
  for (const auto& part : std::filesystem::path(value))
    if (part == "..") {
      r.error(path, fmt::format("'{}' climbs out of the root with '..'", value));
      return false;
    }
  return true;
}

void read_process(Reader& r, const json& proc, OciBundle& b, Profile& p) {
  const std::string at = "/process";
  if (auto args = r.get<std::vector<std::string>>(proc, at, "args")) b.args = *args;
  // (A wrong type has its own message already.)
  if (b.args.empty() && (!proc.contains("args") || proc["args"].is_array()))
    r.error(at + "/args", "the process needs at least one argument (the program)");
  if (auto t = r.get<bool>(proc, at, "terminal")) b.terminal = *t;
  if (const json* size = r.object(proc, at, "consoleSize")) {
    auto h = r.get<std::uint32_t>(*size, at + "/consoleSize", "height");
    auto w = r.get<std::uint32_t>(*size, at + "/consoleSize", "width");
    if (h && w) b.console_size = std::make_pair(*h, *w);
  }
  if (auto cwd = r.get<std::string>(proc, at, "cwd")) {
    if (container_path(r, at + "/cwd", *cwd)) p.process.cwd = setting_at(*cwd, r.at(at + "/cwd"));
  }
  if (auto env = r.get<std::vector<std::string>>(proc, at, "env")) {
    StringMap m;
    for (std::size_t i = 0; i < env->size(); ++i) {
      const auto& e = (*env)[i];
      const auto eq = e.find('=');
      const std::string path = fmt::format("{}/env/{}", at, i);
      if (eq == std::string::npos || eq == 0) {
        r.error(path, fmt::format("'{}' is not KEY=VALUE", e));
        continue;
      }
      m[e.substr(0, eq)] = Located<std::string>{e.substr(eq + 1), r.at(path), 0};
    }
    p.process.env = setting_at(m, r.at(at + "/env"));
  }
  if (const json* user = r.object(proc, at, "user")) {
    const std::string u = at + "/user";
    if (auto uid = r.get<std::int64_t>(*user, u, "uid")) p.user.uid = setting_at(*uid, r.at(u + "/uid"));
    if (auto gid = r.get<std::int64_t>(*user, u, "gid")) p.user.gid = setting_at(*gid, r.at(u + "/gid"));
    if (auto umask = r.get<std::uint32_t>(*user, u, "umask")) p.process.umask = setting_at(FileMode{*umask}, r.at(u + "/umask"));
    if (const json* gids = r.array(*user, u, "additionalGids")) {
      StringList groups;
      for (std::size_t i = 0; i < gids->size(); ++i) {
        if (!(*gids)[i].is_number_unsigned()) {
          r.error(fmt::format("{}/additionalGids/{}", u, i), "must be a group id");
          continue;
        }
        groups.push_back({std::to_string((*gids)[i].get<std::uint32_t>()), r.at(fmt::format("{}/additionalGids/{}", u, i)), 0});
      }
      p.user.groups = setting_at(groups, r.at(u + "/additionalGids"));
    }
    if (user->contains("username")) r.warning(u + "/username", "ignored on Linux (the runtime spec's Windows field)");
  }
  if (const json* caps = r.object(proc, at, "capabilities")) {
    // The profile has one set (drop, then add) plus ambient; the bounding
    // set bounds every other, so it is the set the process gets. A set that
    // asks more than bounding cannot be honoured by the kernel anyway.
    const std::string c = at + "/capabilities";
    p.capabilities.drop.items.push_back({"ALL", r.at(c), 0});
    const char* chosen = caps->contains("bounding") ? "bounding" : "permitted";
    if (auto names = r.get<std::vector<std::string>>(*caps, c, chosen)) {
      for (std::size_t i = 0; i < names->size(); ++i)
        p.capabilities.add.items.push_back({(*names)[i], r.at(fmt::format("{}/{}/{}", c, chosen, i)), 0});
    }
    for (const char* set_name : {"effective", "permitted", "inheritable"}) {
      auto names = r.get<std::vector<std::string>>(*caps, c, set_name);
      if (!names || std::string(set_name) == chosen) continue;
      auto bounding = r.get<std::vector<std::string>>(*caps, c, chosen).value_or(std::vector<std::string>{});
      for (std::size_t i = 0; i < names->size(); ++i)
        if (std::find(bounding.begin(), bounding.end(), (*names)[i]) == bounding.end())
          r.warning(fmt::format("{}/{}/{}", c, set_name, i),
                    fmt::format("{} is not in the {} set, which bounds it: the process cannot have it", (*names)[i], chosen));
    }
    if (auto ambient = r.get<std::vector<std::string>>(*caps, c, "ambient")) {
      StringList list;
      for (std::size_t i = 0; i < ambient->size(); ++i)
        list.push_back({(*ambient)[i], r.at(fmt::format("{}/ambient/{}", c, i)), 0});
      p.capabilities.ambient = setting_at(list, r.at(c + "/ambient"));
    }
  }
  if (const json* rl = r.array(proc, at, "rlimits")) {
    KeyedMap<RlimitValue> limits;
    for (std::size_t i = 0; i < rl->size(); ++i) {
      const std::string path = fmt::format("{}/rlimits/{}", at, i);
      auto type = r.get<std::string>((*rl)[i], path, "type");
      auto hard = r.get<std::uint64_t>((*rl)[i], path, "hard");
      auto soft = r.get<std::uint64_t>((*rl)[i], path, "soft");
      if (!type || !hard || !soft) {
        if (!type) r.error(path + "/type", "an rlimit needs type, soft and hard");
        continue;
      }
      std::string name = *type;
      if (name.rfind("RLIMIT_", 0) == 0) name = name.substr(7);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
      limits[name] = Located<RlimitValue>{RlimitValue{*soft, *hard}, r.at(path), 0};
    }
    p.rlimits = setting_at(limits, r.at(at + "/rlimits"));
  }
  if (auto nnp = r.get<bool>(proc, at, "noNewPrivileges")) p.suid.no_new_privileges = setting_at(*nnp, r.at(at + "/noNewPrivileges"));
  if (auto aa = r.get<std::string>(proc, at, "apparmorProfile"); aa && !aa->empty())
    p.apparmor.profile = setting_at(*aa, r.at(at + "/apparmorProfile"));
  if (auto label = r.get<std::string>(proc, at, "selinuxLabel"); label && !label->empty()) {
    // user:role:type[:level]
    const auto loc = r.at(at + "/selinuxLabel");
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
      const auto colon = label->find(':', start);
      if (colon == std::string::npos) break;
      parts.push_back(label->substr(start, colon - start));
      start = colon + 1;
    }
    parts.push_back(label->substr(start));
    if (parts.size() < 3) {
      r.error(at + "/selinuxLabel", fmt::format("'{}' is not user:role:type[:level]", *label));
    } else {
      p.selinux.user = setting_at(parts[0], loc);
      p.selinux.role = setting_at(parts[1], loc);
      p.selinux.type = setting_at(parts[2], loc);
      if (parts.size() > 3) p.selinux.level = setting_at(parts[3], loc);
    }
  }
  if (auto oom = r.get<std::int64_t>(proc, at, "oomScoreAdj")) p.resources.oom_score_adj = setting_at(*oom, r.at(at + "/oomScoreAdj"));
}

// The mounts the plan makes itself (mount.proc, mount.dev, mount.sys and
// the devpts, shm and mqueue under /dev): an engine lists them too.
bool standard_mount(const std::string& type, const std::string& dest) {
  static const std::set<std::pair<std::string, std::string>> known = {
      {"proc", "/proc"},     {"tmpfs", "/dev"},      {"devpts", "/dev/pts"}, {"tmpfs", "/dev/shm"}, {"shm", "/dev/shm"},
      {"mqueue", "/dev/mqueue"}, {"sysfs", "/sys"}, {"cgroup", "/sys/fs/cgroup"}, {"cgroup2", "/sys/fs/cgroup"}};
  return known.count({type, dest}) > 0;
}

void read_mounts(Reader& r, const json& mounts, const std::string& bundle, Profile& p) {
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    const std::string at = fmt::format("/mounts/{}", i);
    const json& m = mounts[i];
    auto dest = r.get<std::string>(m, at, "destination");
    if (!dest) {
      r.error(at + "/destination", "a mount needs a destination");
      continue;
    }
    if (!container_path(r, at + "/destination", *dest)) continue;
    const std::string type = r.get<std::string>(m, at, "type").value_or("");
    const auto options = r.get<std::vector<std::string>>(m, at, "options").value_or(std::vector<std::string>{});
    const auto has = [&](const char* o) { return std::find(options.begin(), options.end(), o) != options.end(); };
    if (m.contains("uidMappings") || m.contains("gidMappings") || has("idmap") || has("ridmap")) {
      r.error(at, "idmapped mounts are not supported: give the files the container's ids, or use a user namespace");
      continue;
    }
    const auto loc = r.at(at);
    if (type == "bind" || has("bind") || has("rbind")) {
      std::string source = r.get<std::string>(m, at, "source").value_or("");
      if (source.empty()) {
        r.error(at + "/source", "a bind mount needs a source");
        continue;
      }
      if (source.front() != '/') source = bundle + "/" + source;
      VolumeEntry v;
      v.loc = loc;
      v.source = setting_at(source, loc);
      v.target = setting_at(*dest, loc);
      v.readonly = setting_at(has("ro"), loc);
      v.nosuid = setting_at(has("nosuid"), loc);
      v.nodev = setting_at(has("nodev"), loc);
      v.noexec = setting_at(has("noexec"), loc);
      v.recursive = setting_at(has("rbind"), loc);
      p.filesystem.volumes.items.push_back(std::move(v));
      continue;
    }
    if (standard_mount(type, *dest)) {
      if (*dest == "/dev/shm")
        for (const auto& o : options)
          if (o.rfind("size=", 0) == 0) {
            auto bytes = parse_byte_size(o.substr(5));
            if (bytes) p.ipc.shm_size = setting_at(ByteSize{*bytes, false}, loc);
          }
      continue;
    }
    if (type == "tmpfs") {
      TmpfsEntry t;
      t.loc = loc;
      t.path = setting_at(*dest, loc);
      t.nosuid = setting_at(has("nosuid"), loc);
      t.nodev = setting_at(has("nodev"), loc);
      t.noexec = setting_at(has("noexec"), loc);
      for (const auto& o : options) {
        if (o.rfind("size=", 0) == 0) {
          if (auto bytes = parse_byte_size(o.substr(5))) t.size = setting_at(ByteSize{*bytes, false}, loc);
          else r.error(at + "/options", fmt::format("'{}': not a size", o));
        } else if (o.rfind("mode=", 0) == 0) {
          try {
            t.mode = setting_at(FileMode{static_cast<std::uint32_t>(std::stoul(o.substr(5), nullptr, 8))}, loc);
          } catch (...) {
            r.error(at + "/options", fmt::format("'{}': not an octal mode", o));
          }
        }
      }
      p.filesystem.tmpfs.items.push_back(std::move(t));
      continue;
    }
    r.error(at + "/type", fmt::format("a '{}' mount at {} is not supported (bind, tmpfs and the standard proc, sysfs, "
                                      "devpts, mqueue, shm and cgroup mounts are)",
                                      type, *dest));
  }
}

// linux.namespaces: present = private, absent = the host's; a path means
// joining an existing namespace, which the profile cannot say yet.
void read_namespaces(Reader& r, const json& list, Profile& p) {
  std::set<std::string> seen;
  // Joined by path: the profile's "ns:PATH" mode of that namespace's key,
  // opened and checked by namespaces.join (podman's bridge network and
  // pods, a Kubernetes pod's sandbox).
  std::map<std::string, std::pair<std::string, SourceLocation>> joined;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("/linux/namespaces/{}", i);
    auto type = r.get<std::string>(list[i], at, "type");
    if (!type) {
      r.error(at + "/type", "a namespace needs a type");
      continue;
    }
    if (!seen.insert(*type).second) r.error(at + "/type", fmt::format("the {} namespace is listed twice", *type));
    auto path = r.get<std::string>(list[i], at, "path");
    if (!path || path->empty()) continue;
    if (*type == "user" || *type == "mount" || *type == "time") {
      r.error(at + "/path", fmt::format("joining an existing {} namespace ({}) is not supported: the container's {} "
                                        "namespace is its own",
                                        *type, *path, *type));
      continue;
    }
    if (path->front() != '/') {
      r.error(at + "/path", fmt::format("'{}' is not an absolute path", *path));
      continue;
    }
    joined[*type] = {"ns:" + *path, r.at(at + "/path")};
  }
  const auto loc = r.at("/linux/namespaces");
  const auto on = [&](const char* t) {
    for (const auto& e : list)
      if (e.is_object() && e.value("type", "") == t) return true;
    return false;
  };
  for (const auto& e : list)
    if (e.is_object()) {
      const std::string t = e.value("type", "");
      if (t != "pid" && t != "network" && t != "ipc" && t != "uts" && t != "mount" && t != "user" && t != "cgroup" &&
          t != "time")
        r.error("/linux/namespaces", fmt::format("unknown namespace type '{}'", t));
    }
  if (!on("mount")) r.error("/linux/namespaces", "a container without its own mount namespace is not supported");
  const auto mode = [&](const char* t, const char* fresh) {
    if (auto j = joined.find(t); j != joined.end()) return setting_at(j->second.first, j->second.second);
    return setting_at(std::string(on(t) ? fresh : "host"), loc);
  };
  p.namespaces.pid = mode("pid", "private");
  p.network.mode = mode("network", "none");
  p.ipc.mode = mode("ipc", "private");
  p.namespaces.uts = mode("uts", "private");
  p.namespaces.cgroup = mode("cgroup", "private");
  if (on("time")) p.namespaces.time = setting_at(std::string("private"), loc);
  p.user.ns.enabled = setting_at(on("user"), loc);
}

void read_id_maps(Reader& r, const json& linux, Profile& p) {
  for (const char* key : {"uidMappings", "gidMappings"}) {
    const json* maps = r.array(linux, "/linux", key);
    if (!maps) continue;
    std::vector<IdMapEntry> entries;
    for (std::size_t i = 0; i < maps->size(); ++i) {
      const std::string at = fmt::format("/linux/{}/{}", key, i);
      auto inside = r.get<std::int64_t>((*maps)[i], at, "containerID");
      auto outside = r.get<std::int64_t>((*maps)[i], at, "hostID");
      auto size = r.get<std::int64_t>((*maps)[i], at, "size");
      if (!inside || !outside || !size) {
        r.error(at, "a mapping needs containerID, hostID and size");
        continue;
      }
      IdMapEntry e;
      e.loc = r.at(at);
      e.inside = setting_at(*inside, e.loc);
      e.outside = setting_at(*outside, e.loc);
      e.count = setting_at(*size, e.loc);
      entries.push_back(std::move(e));
    }
    auto& target = std::string(key) == "uidMappings" ? p.user.ns.uid_map : p.user.ns.gid_map;
    target = setting_at(entries, r.at(std::string("/linux/") + key));
  }
}

// Whether a resource section sets anything: Docker sends "blockIO":
// {"weight": 0} for every container, which asks for nothing.
bool asks_something(const json& v) {
  if (v.is_null()) return false;
  if (v.is_number()) return v != 0;
  if (v.is_object() || v.is_array()) {
    for (const auto& e : v)
      if (asks_something(e)) return true;
    return false;
  }
  return true;
}

// linux.resources.blockIO: the weight and each device's weight and
// throttles, gathered per device (config.json lists each kind apart, the
// profile one entry per device). 0 is unset, as runc reads it. leafWeight
// was CFQ's, which kernels since 5.0 no longer have.
void read_block_io(Reader& r, const json& bio, const std::string& at, Profile& p) {
  if (auto w = r.get<std::int64_t>(bio, at, "weight"); w && *w != 0)
    p.resources.io_weight = setting_at(*w, r.at(at + "/weight"));
  if (auto lw = r.get<std::int64_t>(bio, at, "leafWeight"); lw && *lw != 0)
    r.error(at + "/leafWeight", "leaf weights belonged to the CFQ I/O scheduler, which this kernel does not have");
  std::vector<IoDeviceEntry> devices;
  auto entry_for = [&](std::int64_t major, std::int64_t minor, const SourceLocation& loc) -> IoDeviceEntry& {
    for (auto& e : devices)
      if (e.major.value == major && e.minor.value == minor) return e;
    IoDeviceEntry e;
    e.loc = loc;
    e.major = setting_at(major, loc);
    e.minor = setting_at(minor, loc);
    devices.push_back(std::move(e));
    return devices.back();
  };
  auto read_list = [&](const char* key, const char* field, auto&& store) {
    const json* list = r.array(bio, at, key);
    if (!list) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string item = fmt::format("{}/{}/{}", at, key, i);
      const json& d = (*list)[i];
      auto major = r.get<std::int64_t>(d, item, "major");
      auto minor = r.get<std::int64_t>(d, item, "minor");
      auto value = r.get<std::int64_t>(d, item, field);
      if (!major || !minor) {
        r.error(item, "a block device needs its major and minor numbers");
        continue;
      }
      if (std::string(field) == "weight")
        if (auto lw = r.get<std::int64_t>(d, item, "leafWeight"); lw && *lw != 0)
          r.error(item + "/leafWeight", "leaf weights belonged to the CFQ I/O scheduler, which this kernel does not have");
      if (!value || *value == 0) continue;
      store(entry_for(*major, *minor, r.at(item)), setting_at(*value, r.at(item + "/" + field)));
    }
  };
  read_list("weightDevice", "weight", [](IoDeviceEntry& e, Setting<std::int64_t> v) { e.weight = v; });
  auto bytes = [](Setting<ByteSize>& out, const Setting<std::int64_t>& v) { out = setting_at(ByteSize{v.value, false}, v.origin); };
  read_list("throttleReadBpsDevice", "rate", [&](IoDeviceEntry& e, Setting<std::int64_t> v) { bytes(e.read_bps, v); });
  read_list("throttleWriteBpsDevice", "rate", [&](IoDeviceEntry& e, Setting<std::int64_t> v) { bytes(e.write_bps, v); });
  read_list("throttleReadIOPSDevice", "rate", [](IoDeviceEntry& e, Setting<std::int64_t> v) { e.read_iops = v; });
  read_list("throttleWriteIOPSDevice", "rate", [](IoDeviceEntry& e, Setting<std::int64_t> v) { e.write_iops = v; });
  p.resources.io_devices.items = std::move(devices);
}

// linux.resources.hugepageLimits: one entry per page size. A limit of 0 is
// a limit (no huge pages of that size), not "unset": Kubernetes sends one
// for every size a node has, 0 for those a pod did not ask for.
void read_hugepage_limits(Reader& r, const json& list, const std::string& at, Profile& p) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string item = fmt::format("{}/{}", at, i);
    auto size = r.get<std::string>(list[i], item, "pageSize");
    auto limit = r.get<std::uint64_t>(list[i], item, "limit");
    if (!size || !limit) {
      r.error(item, "a huge page limit needs its pageSize and limit");
      continue;
    }
    HugepageEntry e;
    e.loc = r.at(item);
    e.page_size = setting_at(*size, r.at(item + "/pageSize"));
    e.limit = setting_at(ByteSize{static_cast<std::int64_t>(std::min<std::uint64_t>(*limit, INT64_MAX)), false},
                         r.at(item + "/limit"));
    p.resources.hugepages.items.push_back(std::move(e));
  }
}

// linux.resources.unified: cgroup v2 files and their values, each a string.
void read_unified(Reader& r, const json& unified, const std::string& at, Profile& p) {
  for (const auto& [file, value] : unified.items()) {
    if (!value.is_string()) {
      r.error(at + "/" + file, "must be a string");
      continue;
    }
    p.resources.unified.value[file] = Located<std::string>{value.get<std::string>(), r.at(at + "/" + file)};
  }
  if (!p.resources.unified.value.empty()) p.resources.unified.origin = r.at(at);
}

void read_resources(Reader& r, const json& res, Profile& p, std::vector<SourceLocation>& privileged_asks) {
  const std::string at = "/linux/resources";
  if (const json* mem = r.object(res, at, "memory")) {
    const std::string m = at + "/memory";
    auto size = [&](const char* key, Setting<ByteSize>& out) {
      // 0 is unset (runc's reading; engines send it for "no limit").
      if (auto v = r.get<std::int64_t>(*mem, m, key); v && *v != 0) out = setting_at(ByteSize{*v < 0 ? 0 : *v, *v < 0}, r.at(m + "/" + key));
    };
    size("limit", p.resources.memory);
    size("swap", p.resources.memory_swap);
    size("reservation", p.resources.memory_reservation);
    for (const char* unsupported : {"kernel", "kernelTCP"})
      if (mem->contains(unsupported) && !(*mem)[unsupported].is_null())
        r.warning(m + "/" + unsupported, "kernel memory limits are deprecated by the kernel; ignored, as runc does");
  }
  if (const json* cpu = r.object(res, at, "cpu")) {
    const std::string c = at + "/cpu";
    if (auto shares = r.get<std::uint64_t>(*cpu, c, "shares"); shares && *shares != 0)
      p.resources.cpu_shares = setting_at(static_cast<std::int64_t>(*shares), r.at(c + "/shares"));
    auto quota = r.get<std::int64_t>(*cpu, c, "quota");
    auto period = r.get<std::int64_t>(*cpu, c, "period").value_or(100000);
    if (quota && *quota > 0 && period > 0)
      p.resources.cpus = setting_at(CpuCount{static_cast<double>(*quota) / static_cast<double>(period)}, r.at(c + "/quota"));
    if (auto cpus = r.get<std::string>(*cpu, c, "cpus"); cpus && !cpus->empty()) p.resources.cpuset = setting_at(*cpus, r.at(c + "/cpus"));
    if (auto mems = r.get<std::string>(*cpu, c, "mems"); mems && !mems->empty())
      p.resources.cpuset_mems = setting_at(*mems, r.at(c + "/mems"));
  }
  if (const json* pids = r.object(res, at, "pids"))
    if (auto limit = r.get<std::int64_t>(*pids, at + "/pids", "limit"))
      p.resources.pids_limit = setting_at(*limit <= 0 ? std::int64_t{-1} : *limit, r.at(at + "/pids/limit"));
  if (const json* devices = r.array(res, at, "devices")) {
    // An engine lists the device cgroup in full: deny all, then its
    // allow-list. Ringfence builds its own from linux.devices and the
    // standard nodes; allowing every device (--privileged) is not taken
    // over, because the capabilities and mounts config.json lists already
    // say what the container may do, and "every device" would add the
    // host's disks to it.
    for (std::size_t i = 0; i < devices->size(); ++i) {
      const json& d = (*devices)[i];
      if (d.value("allow", false) && d.value("type", "a") == "a" && !d.contains("major") && !d.contains("minor")) {
        privileged_asks.push_back(r.at(fmt::format("{}/devices/{}", at, i)));
        r.warning(fmt::format("{}/devices/{}", at, i),
                  "allowing every device is not applied: the device cgroup allows linux.devices and the standard nodes");
      }
    }
  }
  if (const json* bio = r.object(res, at, "blockIO")) read_block_io(r, *bio, at + "/blockIO", p);
  if (const json* huge = r.array(res, at, "hugepageLimits")) read_hugepage_limits(r, *huge, at + "/hugepageLimits", p);
  if (const json* unified = r.object(res, at, "unified")) read_unified(r, *unified, at + "/unified", p);
  for (const char* unsupported : {"network", "rdma"})
    if (res.contains(unsupported) && asks_something(res[unsupported]))
      r.error(at + "/" + unsupported, fmt::format("{} limits are not supported by ringfence yet", unsupported));
}

void read_devices(Reader& r, const json& devices, Profile& p) {
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const std::string at = fmt::format("/linux/devices/{}", i);
    const json& d = devices[i];
    auto path = r.get<std::string>(d, at, "path");
    auto type = r.get<std::string>(d, at, "type");
    if (!path || !type) {
      r.error(at, "a device needs a path and a type");
      continue;
    }
    if (!container_path(r, at + "/path", *path)) continue;
    const auto loc = r.at(at);
    DeviceEntry e;
    e.loc = loc;
    e.path = setting_at(*path, loc);
    e.type = setting_at(*type == "u" ? std::string("c") : *type, loc);
    e.major = setting_at(DeviceNumber{r.get<std::int64_t>(d, at, "major").value_or(-1)}, loc);
    e.minor = setting_at(DeviceNumber{r.get<std::int64_t>(d, at, "minor").value_or(-1)}, loc);
    e.access = setting_at(std::string("rwm"), loc);
    if (auto mode = r.get<std::uint32_t>(d, at, "fileMode")) e.mode = setting_at(FileMode{*mode & 07777}, loc);
    p.devices.allow.items.push_back(std::move(e));
  }
}

void read_seccomp(Reader& r, const json& seccomp, const std::string& file, OciBundle& b, Profile& p) {
  const auto loc = r.at("/linux/seccomp");
  if (auto listener = r.get<std::string>(seccomp, "/linux/seccomp", "listenerPath"); listener && !listener->empty())
    b.seccomp_listener = *listener;
  if (auto metadata = r.get<std::string>(seccomp, "/linux/seccomp", "listenerMetadata"))
    b.seccomp_listener_metadata = *metadata;
  // The object is the filter's base, read in place: an engine's profile
  // keeps the meaning runc and crun give it (of two rules without
  // arguments for one syscall the first wins; podman's allows setns and,
  // later, denies it without CAP_SYS_ADMIN), and its problems are named at
  // config.json:/linux/seccomp/... when the plan is compiled.
  p.seccomp.enabled = setting_at(true, loc);
  // Absolute: a relative base is read relative to the file that names it,
  // and `loc` names config.json:/linux/seccomp, not a directory
  // (`ringfence plan --oci bundle` read bundle/config.json:/linux/bundle/...).
  p.seccomp.base = setting_at(std::filesystem::absolute(file).lexically_normal().string() + ":/linux/seccomp", loc);
}

// linux.sysctl: only keys of a namespace the container has of its own.
void read_sysctl(Reader& r, const json& sysctl, const Profile& p, OciBundle& b) {
  for (const auto& [key, value] : sysctl.items()) {
    const std::string at = "/linux/sysctl/" + key;
    if (!value.is_string()) {
      r.error(at, "must be a string");
      continue;
    }
    const bool net = key.rfind("net.", 0) == 0;
    const bool ipc = key.rfind("kernel.shm", 0) == 0 || key.rfind("kernel.msg", 0) == 0 || key == "kernel.sem" ||
                     key.rfind("fs.mqueue.", 0) == 0;
    const bool uts = key == "kernel.hostname" || key == "kernel.domainname";
    if (key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
      r.error(at, "not a sysctl name");
    } else if (net && p.network.mode.value == "host") {
      r.error(at, "a net.* sysctl needs the container's own network namespace");
    } else if (ipc && p.ipc.mode.value == "host") {
      r.error(at, "an IPC sysctl needs the container's own IPC namespace");
    } else if (uts && p.namespaces.uts.value == "host") {
      r.error(at, "a UTS sysctl needs the container's own UTS namespace");
    } else if (!net && !ipc && !uts) {
      r.error(at, fmt::format("'{}' is not namespaced: it would change the host", key));
    } else {
      b.sysctl[key] = value.get<std::string>();
    }
  }
}

void read_hooks(Reader& r, const json& hooks, OciHooks& out) {
  const std::pair<const char*, std::vector<OciHook>*> kinds[] = {
      {"prestart", &out.prestart},         {"createRuntime", &out.create_runtime},
      {"createContainer", &out.create_container}, {"startContainer", &out.start_container},
      {"poststart", &out.poststart},       {"poststop", &out.poststop}};
  for (const auto& [name, list] : kinds) {
    const json* hs = r.array(hooks, "/hooks", name);
    if (!hs) continue;
    for (std::size_t i = 0; i < hs->size(); ++i) {
      const std::string at = fmt::format("/hooks/{}/{}", name, i);
      OciHook h;
      auto path = r.get<std::string>((*hs)[i], at, "path");
      if (!path || path->empty() || path->front() != '/') {
        r.error(at + "/path", "a hook needs an absolute path");
        continue;
      }
      h.path = *path;
      h.args = r.get<std::vector<std::string>>((*hs)[i], at, "args").value_or(std::vector<std::string>{});
      h.env = r.get<std::vector<std::string>>((*hs)[i], at, "env").value_or(std::vector<std::string>{});
      if (auto t = r.get<int>((*hs)[i], at, "timeout")) {
        if (*t <= 0) r.error(at + "/timeout", "must be greater than zero");
        else h.timeout = *t;
      }
      list->push_back(std::move(h));
    }
  }
}

}  // namespace

std::optional<OciBundle> read_oci_bundle(const std::string& bundle_arg, Diagnostics& diags) {
  // BUNDLE/config.json names the same bundle as BUNDLE: its directory is
  // what root.path and relative sources are read against.
  std::error_code ec;
  const std::filesystem::path given(bundle_arg);
  const bool names_config = given.filename() == "config.json" && std::filesystem::is_regular_file(given, ec);
  const std::string bundle_dir = names_config ? (given.has_parent_path() ? given.parent_path().string() : ".") : bundle_arg;
  const std::string file = bundle_dir + "/config.json";
  auto text = read_text_file(file);
  if (!text) {
    diags.error(SourceLocation{file, 0, 0}, fmt::format("cannot read the bundle's config.json: {}", text.status().message));
    return std::nullopt;
  }
  json config;
  try {
    config = json::parse(*text);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number beyond every range
    // ("1e590"), which escaped the reader before (tests/fuzz).
    diags.error(SourceLocation{file, 0, 0}, fmt::format("not JSON: {}", e.what()));
    return std::nullopt;
  }
  Reader r(file, diags);
  if (!config.is_object()) {
    r.error("", "must be a JSON object");
    return std::nullopt;
  }
  OciBundle b;
  b.bundle = bundle_dir;
  b.layer.file = file;
  b.layer.display = "oci:" + file;
  Profile& p = b.layer.data;
  p.profile.name = setting_at(std::string("oci"), r.at(""));
  b.oci_version = r.get<std::string>(config, "", "ociVersion").value_or("");
  // 1.0.0 to 1.2.x, with any pre-release or build suffix ("1.0.2-dev").
  const std::string v = b.oci_version;
  if (!(v.rfind("1.0.", 0) == 0 || v.rfind("1.1.", 0) == 0 || v.rfind("1.2.", 0) == 0))
    r.error("/ociVersion", fmt::format("'{}': this runtime accepts runtime-spec 1.0.0 to 1.2.x", v));
  // A ringfence init would be PID 1 instead of the program: engines add
  // their own (catatonit, tini) when they want one.
  p.process.init = setting_at(false, r.at(""));
  // Recording refusals needs a process that reads the kernel's records for
  // the container's life; most containers leave nothing resident (the
  // engine's shim is their parent), so their filters do not ask the kernel
  // to log (docs/audit.md, "Denials").
  p.seccomp.audit = setting_at(false, r.at(""));

  if (const json* root = r.object(config, "", "root")) {
    auto path = r.get<std::string>(*root, "/root", "path");
    if (!path || path->empty()) {
      r.error("/root/path", "the bundle needs a root filesystem path");
    } else {
      b.root = (*path)[0] == '/' ? *path : bundle_dir + "/" + *path;
      struct stat st {};
      if (stat(b.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        r.error("/root/path", fmt::format("'{}' is not a directory", b.root));
    }
    if (auto ro = r.get<bool>(*root, "/root", "readonly")) p.filesystem.readonly_root = setting_at(*ro, r.at("/root/readonly"));
  } else {
    r.error("/root", "the bundle needs a root");
  }
  if (const json* proc = r.object(config, "", "process")) read_process(r, *proc, b, p);
  else r.error("/process", "the bundle needs a process (create starts one)");
  if (auto host = r.get<std::string>(config, "", "hostname"); host && !host->empty())
    p.process.hostname = setting_at(*host, r.at("/hostname"));
  if (auto domain = r.get<std::string>(config, "", "domainname"); domain && !domain->empty())
    b.sysctl["kernel.domainname"] = *domain;
  if (const json* mounts = r.array(config, "", "mounts")) read_mounts(r, *mounts, bundle_dir, p);
  if (const json* hooks = r.object(config, "", "hooks")) read_hooks(r, *hooks, b.hooks);
  if (const json* ann = r.object(config, "", "annotations"))
    for (const auto& [k, val] : ann->items()) {
      if (val.is_string()) b.annotations[k] = val.get<std::string>();
      else r.error("/annotations/" + k, "must be a string");
    }

  const json* linux = r.object(config, "", "linux");
  if (!linux) {
    r.error("/linux", "the bundle needs a linux section (namespaces at least)");
    return std::nullopt;
  }
  if (const json* ns = r.array(*linux, "/linux", "namespaces")) read_namespaces(r, *ns, p);
  else r.error("/linux/namespaces", "a container needs namespaces (at least mount)");
  read_id_maps(r, *linux, p);
  if (const json* res = r.object(*linux, "/linux", "resources")) read_resources(r, *res, p, b.privileged_asks);
  if (const json* devices = r.array(*linux, "/linux", "devices")) read_devices(r, *devices, p);
  if (auto cg = r.get<std::string>(*linux, "/linux", "cgroupsPath")) b.cgroups_path = *cg;
  // No linux.seccomp is no filter: the runtime spec's meaning, and what an
  // engine sends for seccomp=unconfined (a site policy may require one).
  if (const json* sc = r.object(*linux, "/linux", "seccomp")) read_seccomp(r, *sc, file, b, p);
  else p.seccomp.enabled = setting_at(false, r.at("/linux"));
  if (auto masked = r.get<std::vector<std::string>>(*linux, "/linux", "maskedPaths")) {
    StringList l;
    for (std::size_t i = 0; i < masked->size(); ++i) l.push_back({(*masked)[i], r.at(fmt::format("/linux/maskedPaths/{}", i)), 0});
    p.filesystem.masked_paths = setting_at(l, r.at("/linux/maskedPaths"));
  }
  if (auto ro = r.get<std::vector<std::string>>(*linux, "/linux", "readonlyPaths")) {
    StringList l;
    for (std::size_t i = 0; i < ro->size(); ++i) l.push_back({(*ro)[i], r.at(fmt::format("/linux/readonlyPaths/{}", i)), 0});
    p.filesystem.readonly_paths = setting_at(l, r.at("/linux/readonlyPaths"));
  }
  if (const json* sysctl = r.object(*linux, "/linux", "sysctl")) read_sysctl(r, *sysctl, p, b);
  if (const json* pers = r.object(*linux, "/linux", "personality")) {
    const std::string domain = pers->value("domain", "LINUX");
    if (domain != "LINUX") r.error("/linux/personality/domain", fmt::format("personality '{}' is not supported", domain));
  }
  if (auto label = r.get<std::string>(*linux, "/linux", "mountLabel"); label && !label->empty())
    r.warning("/linux/mountLabel", "mount labels are not applied (this build has no SELinux mount support)");
  if (auto prop = r.get<std::string>(*linux, "/linux", "rootfsPropagation"); prop && !prop->empty() && *prop != "private" &&
                                                                              *prop != "rprivate" && *prop != "slave" &&
                                                                              *prop != "rslave")
    r.error("/linux/rootfsPropagation", fmt::format("'{}' would let the container's mounts reach the host", *prop));
  if (diags.has_errors()) return std::nullopt;
  return b;
}

bool read_oci_update_limits(const nlohmann::json& resources, const std::string& file, CgroupParams& out,
                            Diagnostics& diags) {
  Reader r(file, diags);
  Profile p;
  const std::size_t errors = diags.error_count();
  if (const json* bio = r.object(resources, "", "blockIO")) read_block_io(r, *bio, "/blockIO", p);
  if (const json* huge = r.array(resources, "", "hugepageLimits")) read_hugepage_limits(r, *huge, "/hugepageLimits", p);
  if (const json* unified = r.object(resources, "", "unified")) read_unified(r, *unified, "/unified", p);
  // What create's compile would check of them (validate.cpp), so that an
  // update cannot set what a create refuses.
  validate_resource_limits(p.resources, diags);
  add_io_limits(p.resources, out);
  add_hugepage_limits(p.resources, out);
  for (const auto& [file, value] : p.resources.unified.value) out.unified[file] = value.value;
  return diags.error_count() == errors;
}

Compiled compile_oci(const OciBundle& bundle, const CompileOptions& options) {
  return compile_layers({bundle.layer}, options);
}

Compiled compile_oci(const OciBundle& bundle, const CompileOptions& options, const SitePolicy* floor,
                     std::vector<FloorDecision>& decisions) {
  return compile_with_floor({bundle.layer}, options, floor, decisions, bundle.privileged_asks);
}

}  // namespace ringfence::policy
