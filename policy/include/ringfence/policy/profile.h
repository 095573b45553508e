// The typed model of a ringfence profile (schema version 1).
//
// One struct per TOML table. Each struct lists its keys once, in `fields`,
// and that list drives everything that walks the schema: the TOML reader
// (types, unknown keys and "did you mean"), the merge of `extends` layers,
// the JSON dump of an effective profile and the test that checks
// docs/profiles.md documents every key. `fields` takes one or more objects
// of the same type so that the merge can walk a parent and a child together.
//
// Values are kept as written (strings for names and modes) with their
// source locations; checking what they mean is the compiler's job, which is
// why nothing here knows about processes or the kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ringfence/policy/setting.h"

namespace ringfence::policy {

// An errno given by name ("EPERM") or number (1).
struct ErrnoValue {
  int number = 0;
  bool operator==(const ErrnoValue&) const = default;
};

// A device major or minor number, or "*" for any.
struct DeviceNumber {
  std::int64_t value = -1;  // -1 = any
  bool operator==(const DeviceNumber&) const = default;
};

// Octal permission bits, written 0o755 or "0755".
struct FileMode {
  std::uint32_t bits = 0;
  bool operator==(const FileMode&) const = default;
};

// A seccomp argument value: any 64-bit pattern. TOML integers are signed,
// so -1 means 0xffffffffffffffff; strings such as "0xffffffff00000000"
// are accepted too.
struct ArgValue {
  std::uint64_t bits = 0;
  bool operator==(const ArgValue&) const = default;
};

// An rlimit: one number for both limits, "soft:hard", "unlimited" or a
// table { soft = N, hard = N }.
struct RlimitValue {
  static constexpr std::uint64_t kUnlimited = ~std::uint64_t{0};
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
  bool operator==(const RlimitValue&) const = default;
};

// A CPU count: 1, 1.5 or "1.5" (Docker's --cpus).
struct CpuCount {
  double cpus = 0;
  bool operator==(const CpuCount&) const = default;
};

template <class V>
using KeyedMap = std::map<std::string, Located<V>>;

// ---------------------------------------------------------------- [profile]
struct ProfileMeta {
  Setting<std::int64_t> schema;
  Setting<std::string> name;
  Setting<std::string> description;
  Setting<std::string> extends;
  Setting<bool> privileged;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("schema", s.schema...);
    v("name", s.name...);
    v("description", s.description...);
    v("extends", s.extends...);
    v("privileged", s.privileged...);
  }
};

// ------------------------------------------------------------------- [user]
struct IdMapEntry {
  Setting<std::int64_t> inside;
  Setting<std::int64_t> outside;
  Setting<std::int64_t> count;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("inside", s.inside...);
    v("outside", s.outside...);
    v("count", s.count...);
  }
};

struct UserNamespaceSection {
  Setting<bool> enabled;
  Setting<bool> automatic;  // key "auto"
  Setting<std::vector<IdMapEntry>> uid_map;
  Setting<std::vector<IdMapEntry>> gid_map;
  Setting<std::string> setgroups;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("enabled", s.enabled...);
    v("auto", s.automatic...);
    v("uid_map", s.uid_map...);
    v("gid_map", s.gid_map...);
    v("setgroups", s.setgroups...);
  }
};

struct UserSection {
  Setting<std::string> user;
  Setting<std::int64_t> uid;
  Setting<std::int64_t> gid;
  Setting<StringList> groups;
  UserNamespaceSection ns;  // [user.namespace]

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("user", s.user...);
    v("uid", s.uid...);
    v("gid", s.gid...);
    v("groups", s.groups...);
    v("namespace", s.ns...);
  }
};

// ----------------------------------------------------------- [capabilities]
struct CapabilitiesSection {
  Accumulated<Located<std::string>> add;
  Accumulated<Located<std::string>> drop;
  Setting<StringList> ambient;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("add", s.add...);
    v("drop", s.drop...);
    v("ambient", s.ambient...);
  }
};

// ---------------------------------------------------------------- [devices]
struct DeviceEntry {
  Setting<std::string> path;
  Setting<std::string> type;
  Setting<DeviceNumber> major;
  Setting<DeviceNumber> minor;
  Setting<std::string> access;
  Setting<FileMode> mode;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("path", s.path...);
    v("type", s.type...);
    v("major", s.major...);
    v("minor", s.minor...);
    v("access", s.access...);
    v("mode", s.mode...);
  }
};

struct DevicesSection {
  Accumulated<DeviceEntry> allow;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("allow", s.allow...);
  }
};

// -------------------------------------------------------------------- [ipc]
struct IpcSection {
  Setting<std::string> mode;
  Setting<ByteSize> shm_size;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("mode", s.mode...);
    v("shm_size", s.shm_size...);
  }
};

// ------------------------------------------------------------------- [suid]
struct SuidSection {
  Setting<bool> no_new_privileges;
  Setting<bool> nosuid;
  Setting<std::string> strip;
  Setting<StringList> keep;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("no_new_privileges", s.no_new_privileges...);
    v("nosuid", s.nosuid...);
    v("strip", s.strip...);
    v("keep", s.keep...);
  }
};

// ---------------------------------------------------------------- [seccomp]
struct SeccompArgEntry {
  Setting<std::int64_t> index;
  Setting<std::string> op;
  Setting<ArgValue> value;
  Setting<ArgValue> mask;
  Setting<std::int64_t> width;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("index", s.index...);
    v("op", s.op...);
    v("value", s.value...);
    v("mask", s.mask...);
    v("width", s.width...);
  }
};

struct SeccompRuleEntry {
  Setting<StringList> syscalls;
  Setting<std::string> action;
  Setting<ErrnoValue> errno_ret;  // key "errno"
  Setting<std::vector<SeccompArgEntry>> args;
  Setting<StringList> caps;
  Setting<StringList> not_caps;
  Setting<StringList> arches;
  Setting<StringList> not_arches;
  Setting<std::string> min_kernel;
  Setting<std::string> comment;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("syscalls", s.syscalls...);
    v("action", s.action...);
    v("errno", s.errno_ret...);
    v("args", s.args...);
    v("caps", s.caps...);
    v("not_caps", s.not_caps...);
    v("arches", s.arches...);
    v("not_arches", s.not_arches...);
    v("min_kernel", s.min_kernel...);
    v("comment", s.comment...);
  }
};

struct SeccompSection {
  Setting<bool> enabled;
  Setting<std::string> base;
  Setting<std::string> default_action;
  Setting<ErrnoValue> default_errno;
  Setting<bool> audit;
  Accumulated<SeccompRuleEntry> rules;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("enabled", s.enabled...);
    v("base", s.base...);
    v("default_action", s.default_action...);
    v("default_errno", s.default_errno...);
    v("audit", s.audit...);
    v("rules", s.rules...);
  }
};

// ------------------------------------------------------- [apparmor] [selinux]
struct AppArmorSection {
  Setting<std::string> profile;
  Setting<bool> generate;
  Setting<StringList> rules;
  Setting<bool> optional;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("profile", s.profile...);
    v("generate", s.generate...);
    v("rules", s.rules...);
    v("optional", s.optional...);
  }
};

struct SELinuxSection {
  Setting<bool> disable;
  Setting<std::string> user;
  Setting<std::string> role;
  Setting<std::string> type;
  Setting<std::string> level;
  Setting<bool> optional;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("disable", s.disable...);
    v("user", s.user...);
    v("role", s.role...);
    v("type", s.type...);
    v("level", s.level...);
    v("optional", s.optional...);
  }
};

// --------------------------------------------------------------- [landlock]
struct LandlockSection {
  Setting<bool> enabled;
  Setting<StringList> read_only;
  Setting<StringList> read_write;
  Setting<StringList> execute;
  Setting<bool> optional;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("enabled", s.enabled...);
    v("read_only", s.read_only...);
    v("read_write", s.read_write...);
    v("execute", s.execute...);
    v("optional", s.optional...);
  }
};

// -------------------------------------------------------------- [resources]
// Block I/O of one device, by its numbers (a host's /dev names differ; the
// numbers are what the kernel's files take). Docker's --blkio-weight-device
// and --device-{read,write}-{bps,iops}. Every layer's entries are kept; for
// a device named in several layers, each limit comes from the last layer
// that sets it, so a flag or a child profile cannot drop an inherited one.
struct IoDeviceEntry {
  Setting<std::int64_t> major;
  Setting<std::int64_t> minor;
  Setting<std::int64_t> weight;
  Setting<ByteSize> read_bps;
  Setting<ByteSize> write_bps;
  Setting<std::int64_t> read_iops;
  Setting<std::int64_t> write_iops;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("major", s.major...);
    v("minor", s.minor...);
    v("weight", s.weight...);
    v("read_bps", s.read_bps...);
    v("write_bps", s.write_bps...);
    v("read_iops", s.read_iops...);
    v("write_iops", s.write_iops...);
  }
};

// Huge pages of one size ("2MB", "1GB": the kernel's names in its hugetlb
// files) a sandbox may use, in bytes; 0 allows none. runtime-spec's
// hugepageLimits, which Kubernetes sends for every size a node has. Kept
// per size as io_devices are per device: the last layer that names a size
// sets it.
struct HugepageEntry {
  Setting<std::string> page_size;
  Setting<ByteSize> limit;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("page_size", s.page_size...);
    v("limit", s.limit...);
  }
};

struct ResourcesSection {
  Setting<ByteSize> memory;
  Setting<ByteSize> memory_swap;
  Setting<ByteSize> memory_reservation;
  Setting<CpuCount> cpus;
  Setting<std::int64_t> cpu_shares;
  Setting<std::string> cpuset;
  Setting<std::string> cpuset_mems;
  Setting<std::int64_t> pids_limit;
  Setting<std::int64_t> io_weight;
  Accumulated<IoDeviceEntry> io_devices;
  Accumulated<HugepageEntry> hugepages;
  // cgroup v2 files written as they are ("memory.high" = "1G"): runtime-
  // spec's unified, podman's --cgroup-conf. Merged key by key.
  Setting<StringMap> unified;
  Setting<std::int64_t> oom_score_adj;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("memory", s.memory...);
    v("memory_swap", s.memory_swap...);
    v("memory_reservation", s.memory_reservation...);
    v("cpus", s.cpus...);
    v("cpu_shares", s.cpu_shares...);
    v("cpuset", s.cpuset...);
    v("cpuset_mems", s.cpuset_mems...);
    v("pids_limit", s.pids_limit...);
    v("io_weight", s.io_weight...);
    v("io_devices", s.io_devices...);
    v("hugepages", s.hugepages...);
    v("unified", s.unified...);
    v("oom_score_adj", s.oom_score_adj...);
  }
};

// ------------------------------------------------------------- [filesystem]
struct TmpfsEntry {
  Setting<std::string> path;
  Setting<ByteSize> size;
  Setting<FileMode> mode;
  Setting<bool> nosuid;
  Setting<bool> nodev;
  Setting<bool> noexec;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("path", s.path...);
    v("size", s.size...);
    v("mode", s.mode...);
    v("nosuid", s.nosuid...);
    v("nodev", s.nodev...);
    v("noexec", s.noexec...);
  }
};

struct VolumeEntry {
  Setting<std::string> source;
  Setting<std::string> target;
  Setting<bool> readonly;
  Setting<bool> nosuid;
  Setting<bool> nodev;
  Setting<bool> noexec;
  Setting<bool> recursive;
  // "shared" (-v …:z) or "private" (:Z): the source gets the container's
  // SELinux file label, as Docker and podman do. Nothing without SELinux.
  Setting<std::string> relabel;
  SourceLocation loc;
  int layer = 0;
  // Not a profile key: a missing source is created (an empty directory),
  // as Docker's -v does. Only -v sets it: a profile's own volumes name
  // paths a reviewer approved, and one that is missing is an error.
  bool create = false;
  // Not a profile key: set by the site policy floor on a source it judged,
  // which it rewrote to the path it resolved. The mount then opens that
  // path without following any symlink, so a link planted in it after the
  // judgement cannot send the mount elsewhere.
  bool exact = false;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("source", s.source...);
    v("target", s.target...);
    v("readonly", s.readonly...);
    v("nosuid", s.nosuid...);
    v("nodev", s.nodev...);
    v("noexec", s.noexec...);
    v("recursive", s.recursive...);
    v("relabel", s.relabel...);
  }
};

struct FilesystemSection {
  Setting<bool> readonly_root;
  Setting<StringList> masked_paths;
  Setting<StringList> readonly_paths;
  Accumulated<TmpfsEntry> tmpfs;
  Accumulated<VolumeEntry> volumes;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("readonly_root", s.readonly_root...);
    v("masked_paths", s.masked_paths...);
    v("readonly_paths", s.readonly_paths...);
    v("tmpfs", s.tmpfs...);
    v("volumes", s.volumes...);
  }
};

// ---------------------------------------------------- [network] [namespaces]
struct NetworkSection {
  Setting<std::string> mode;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("mode", s.mode...);
  }
};

struct NamespacesSection {
  Setting<std::string> pid;
  Setting<std::string> uts;
  Setting<std::string> cgroup;
  Setting<std::string> time;
  // Seconds added to CLOCK_MONOTONIC and CLOCK_BOOTTIME inside a private
  // time namespace (a restored checkpoint, a test of a long uptime).
  Setting<std::int64_t> time_offset_monotonic;
  Setting<std::int64_t> time_offset_boottime;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("pid", s.pid...);
    v("uts", s.uts...);
    v("cgroup", s.cgroup...);
    v("time", s.time...);
    v("time_offset_monotonic", s.time_offset_monotonic...);
    v("time_offset_boottime", s.time_offset_boottime...);
  }
};

// ---------------------------------------------------------------- [process]
struct ProcessSection {
  Setting<StringMap> env;
  Setting<std::string> cwd;
  Setting<std::string> hostname;
  Setting<bool> init;
  Setting<FileMode> umask;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("env", s.env...);
    v("cwd", s.cwd...);
    v("hostname", s.hostname...);
    v("init", s.init...);
    v("umask", s.umask...);
  }
};

// ------------------------------------------------------------------ [image]
struct ImageSection {
  Setting<std::string> rootfs;
  Setting<std::string> digest;
  // An image in the store (`ringfence image`), run as `run --image NAME`
  // would run it when the command line names no root of its own.
  Setting<std::string> name;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("rootfs", s.rootfs...);
    v("digest", s.digest...);
    v("name", s.name...);
  }
};

// ------------------------------------------------------------------ [audit]
struct AuditSection {
  Setting<std::string> log;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("log", s.log...);
  }
};

// ------------------------------------------------------------------- [lint]
struct LintIgnoreEntry {
  Setting<std::string> rule;
  Setting<std::string> reason;
  SourceLocation loc;
  int layer = 0;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("rule", s.rule...);
    v("reason", s.reason...);
  }
};

struct LintSection {
  Accumulated<LintIgnoreEntry> ignore;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("ignore", s.ignore...);
  }
};

// ------------------------------------------------------------- the profile
struct Profile {
  ProfileMeta profile;
  UserSection user;
  CapabilitiesSection capabilities;
  DevicesSection devices;
  IpcSection ipc;
  SuidSection suid;
  SeccompSection seccomp;
  AppArmorSection apparmor;
  SELinuxSection selinux;
  LandlockSection landlock;
  ResourcesSection resources;
  Setting<KeyedMap<RlimitValue>> rlimits;
  FilesystemSection filesystem;
  NetworkSection network;
  NamespacesSection namespaces;
  ProcessSection process;
  ImageSection image;
  AuditSection audit;
  LintSection lint;

  template <class V, class... S>
  static void fields(V& v, S&... s) {
    v("profile", s.profile...);
    v("user", s.user...);
    v("capabilities", s.capabilities...);
    v("devices", s.devices...);
    v("ipc", s.ipc...);
    v("suid", s.suid...);
    v("seccomp", s.seccomp...);
    v("apparmor", s.apparmor...);
    v("selinux", s.selinux...);
    v("landlock", s.landlock...);
    v("resources", s.resources...);
    v("rlimits", s.rlimits...);
    v("filesystem", s.filesystem...);
    v("network", s.network...);
    v("namespaces", s.namespaces...);
    v("process", s.process...);
    v("image", s.image...);
    v("audit", s.audit...);
    v("lint", s.lint...);
  }
};

// One file of an extends chain, as read.
struct Layer {
  std::string file;     // as shown in messages
  std::string display;  // name for plan output: "default" or the path
  Profile data;
  SourceLocation extends_at;  // where this layer said `extends`
};

}  // namespace ringfence::policy
