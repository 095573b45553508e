// The compiler's output: an ordered list of enforcement steps.
//
// Each step has a stable name (what users, tests, the audit log and the
// fault-injection switch call it), the phase of the sandbox's start-up in
// which it runs, and typed parameters. The order of the steps is the
// security argument of the whole system; it is defined in one table,
// plan_order.cpp, and explained step by step in docs/plan.md.
//
// This is data only: which syscalls carry it out is the enforcer's business.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/profile.h"
#include "ringfence/policy/step_kind.h"

namespace ringfence::policy {

enum class Phase {
  ParentBeforeClone,  // in ringfence, before the sandbox's first process exists
  Clone,              // creating that process and its namespaces
  ParentAfterClone,   // in ringfence, while the new process waits
  ChildBeforePivot,   // in the new process, still seeing the host's filesystem
  ChildAfterPivot,    // in the new process, inside its own root
  ParentWhileChild,   // in ringfence, at the same time as the two child phases above;
                      // the child waits for it before dropping privileges
  ChildBeforeExec,    // dropping privileges, last things before exec
  Supervisor,         // in ringfence, while the program runs
};
const char* phase_name(Phase phase);

// ---- seccomp ------------------------------------------------------------------
enum class SeccompActionKind { Allow, Errno, KillThread, KillProcess, Trap, Log, Notify };

struct SeccompAction {
  SeccompActionKind kind = SeccompActionKind::Errno;
  int errno_value = 0;  // for Errno, and the answer the supervisor gives for Notify
  bool operator==(const SeccompAction&) const = default;
};

enum class SeccompOp { Eq, Ne, Lt, Le, Gt, Ge, MaskedEq };

struct SeccompCondition {
  unsigned index = 0;
  SeccompOp op = SeccompOp::Eq;
  std::uint64_t value = 0;
  std::uint64_t mask = 0;  // MaskedEq only: (arg & mask) == value. A 32-bit
                           // comparison is a MaskedEq with mask 0xffffffff.
  bool operator==(const SeccompCondition&) const = default;
};

struct SeccompRule {
  std::vector<std::string> syscalls;
  SeccompAction action;
  std::vector<SeccompCondition> conditions;  // all must hold
  SourceLocation from;                       // the rule in the profile (or base) it came from
  std::string comment;
  bool operator==(const SeccompRule&) const = default;
};

struct SeccompFilter {
  SeccompAction default_action;
  std::vector<std::string> arches;  // libseccomp names: native first, then sub-arches
  std::vector<SeccompRule> rules;
  // Syscalls numbered above the highest one the profile names are newer than
  // the profile: they answer ENOSYS so that programs fall back (per arch).
  std::map<std::string, std::uint32_t> enosys_above;
  // Refusals are recorded: loaded with SECCOMP_FILTER_FLAG_LOG, the kernel's
  // records read by the supervisor (runtime/src/kernel_audit.h).
  bool audit = false;
  // The site policy forced the recording (its `[seccomp] audit = true`):
  // a start that cannot record fails, where otherwise it warns and goes on.
  bool audit_required = false;
  // `ringfence learn`: every call the filter would refuse goes to the
  // supervisor, which lets it run and records it (seccomp_loaded_action).
  bool learn = false;
  bool operator==(const SeccompFilter&) const = default;
};

// ---- namespaces and users -------------------------------------------------------
struct NamespacesParams {
  bool user = false, mount = true, pid = true, ipc = true, uts = true, net = true, cgroup = true;
  bool time = false;  // made by its own step, namespaces.time, not by the clone
};

struct TimeNamespaceParams {
  std::int64_t monotonic = 0, boottime = 0;  // offsets, in seconds
};

struct NamespaceJoin {
  std::string kind;       // "ipc" | "net" | "pid" | "uts" | "cgroup"
  std::string container;  // the sandbox whose namespace is joined, or
  std::string path;       // a namespace file to join ("ns:PATH", an OCI bundle's path)
};
struct JoinParams {
  std::vector<NamespaceJoin> joins;
};

struct IdMapping {
  std::uint32_t inside = 0, outside = 0, count = 0;
  bool operator==(const IdMapping&) const = default;
};
struct UserNsParams {
  bool automatic = false;  // the runtime picks the maps
  bool rootless = false;   // written by newuidmap/newgidmap, or the caller's own id only
  std::vector<IdMapping> uid_map, gid_map;
  bool deny_setgroups = true;
};

struct IdentityParams {
  std::string user;   // as written: a name or a number, resolved in the rootfs
  std::string group;  // the primary group if given ("" = the user's)
  std::vector<std::string> groups;
};

// ---- capabilities ------------------------------------------------------------------
struct CapSets {
  std::uint64_t bounding = 0, permitted = 0, effective = 0, inheritable = 0, ambient = 0;
};

// ---- cgroups, devices, rlimits ------------------------------------------------------
// One device's block I/O: its weight (10..1000) and throttles (bytes or
// operations a second); unset = not limited. (The `{}` let a designated
// initializer name only the limits it sets.)
struct IoDeviceLimit {
  std::int64_t major = 0, minor = 0;
  std::optional<std::int64_t> weight{}, read_bps{}, write_bps{}, read_iops{}, write_iops{};
  bool operator==(const IoDeviceLimit&) const = default;
};

// The most of one huge page size a sandbox may use ("2MB": the kernel's
// name, as in hugetlb.2MB.limit_in_bytes), in bytes.
struct HugepageLimit {
  std::string page_size;
  std::int64_t limit = 0;
  bool operator==(const HugepageLimit&) const = default;
};

struct CgroupParams {
  std::optional<std::int64_t> memory, memory_swap, memory_reservation;  // -1 = unlimited
  std::optional<std::int64_t> cpu_quota_us, cpu_period_us, cpu_shares;
  std::optional<std::string> cpuset_cpus, cpuset_mems;
  std::optional<std::int64_t> pids_limit;  // -1 = unlimited
  std::optional<std::int64_t> io_weight;   // 10..1000
  std::vector<IoDeviceLimit> io_devices;
  std::vector<HugepageLimit> hugepages;
  // cgroup v2 files and the values written to them (resources.unified),
  // after the limits above; cgroup v1 has none of them.
  std::map<std::string, std::string> unified;

  // Whether a block I/O limit is asked: only then does a sandbox get a
  // directory in the blkio (v1) hierarchy, or the io controller (v2).
  bool limits_io() const { return io_weight.has_value() || !io_devices.empty(); }
  // The same for huge pages and the hugetlb hierarchy or controller.
  bool limits_hugepages() const { return !hugepages.empty(); }
};

struct DeviceRule {
  bool allow = false;
  char type = 'a';           // 'a' all, 'c' char, 'b' block
  std::int64_t major = -1;   // -1 = any
  std::int64_t minor = -1;
  std::string access = "rwm";
  bool operator==(const DeviceRule&) const = default;
};
struct DeviceCgroupParams {
  std::vector<DeviceRule> rules;  // applied in order; the first is deny-all unless privileged
};

struct DeviceNode {
  std::string path;
  char type = 'c';
  std::uint32_t major = 0, minor = 0;
  std::uint32_t mode = 0666;
  bool operator==(const DeviceNode&) const = default;
};
struct DeviceNodesParams {
  std::vector<DeviceNode> nodes;
};

struct Rlimit {
  std::string name;  // "nofile"
  int resource = 0;  // RLIMIT_NOFILE
  std::uint64_t soft = 0, hard = 0;
};
struct RlimitsParams {
  std::vector<Rlimit> limits;
};

struct OomScoreParams {
  int adj = 0;
};

// ---- filesystem -----------------------------------------------------------------------
struct RootfsParams {
  bool host_root = true;  // the host's / read-only (the embedded default)
  std::string path;       // the rootfs directory when not host_root
  // host_root: the host directories the sandbox sees, read-only, on an
  // empty root (host_view_paths()); nothing else of the host is there.
  std::vector<std::string> host_paths;
  bool nosuid = true;
  bool nodev = true;
  // `run --image`: the image ID ("sha256:<config digest>") whose store tree
  // `path` is. That tree is never written: the root is an overlay with it as
  // the only lower layer and a tmpfs as the upper, gone when the sandbox is.
  std::string image{};
  std::string image_store{};  // the store it came from, for image.verify
  // `run --keep-changes DIR`: the overlay's upper layer is DIR/upper (its
  // work directory DIR/work) instead of a tmpfs, so that what the program
  // changed outlives it, and a later run on the same DIR starts from it.
  std::string image_upper{};
};

struct PropagationParams {
  std::string mode = "rprivate";
};

struct MountEntry {
  std::string source;  // host path for binds, fs name for others
  std::string target;  // inside the sandbox
  std::string type;    // "bind" | "tmpfs" | ...
  bool readonly = false, nosuid = true, nodev = true, noexec = false, recursive = true;
  std::string data;  // filesystem options: "size=67108864,mode=1777"
  // A bind source the site policy floor judged: opened with no symlink
  // followed (VolumeEntry::exact).
  bool exact = false;
  // Binds from -v: a missing source is made as an empty directory first.
  bool create_source = false;
  // The SELinux file context the source is relabelled with before it is
  // opened (-v …:z / :Z); "" for none. Applied only where SELinux is on.
  std::string relabel{};
};
struct MountsParams {
  std::vector<MountEntry> mounts;
};

struct ProcParams {
  bool nosuid = true, nodev = true, noexec = true;
};

struct DevParams {
  bool host = false;              // privileged: the host's /dev, bound (every device)
  std::vector<DeviceNode> nodes;  // null, zero, full, random, urandom, tty
  bool pts = true;
  bool shm = true;
  std::int64_t shm_size = 64 * 1024 * 1024;
  bool mqueue = true;
};

struct SysParams {
  bool readonly = true;
  bool cgroup = true;  // /sys/fs/cgroup, read-only
};

struct PathsParams {
  std::vector<std::string> paths;
};

struct SuidParams {
  std::string mode;  // "report" | "strip"
  std::vector<std::string> keep;
};

struct ImageParams {
  std::string digest;  // "sha256:<hex>"
};

// ---- LSMs and Landlock -------------------------------------------------------------------
struct AppArmorParams {
  std::string profile;
  bool generate = false;
  std::vector<std::string> rules;  // extra rule lines of a generated profile
  bool optional = false;
};

struct SELinuxParams {
  std::string label;  // user:role:type:level
  bool optional = false;
};

struct LandlockParams {
  std::vector<std::string> read_only, read_write, execute;
  bool optional = false;
};

// ---- the process ----------------------------------------------------------------------------
struct HostnameParams {
  std::string hostname;
};

struct NoNewPrivsParams {};

struct ExecParams {
  std::map<std::string, std::string> env;
  std::string cwd = "/";
  std::uint32_t umask = 022;
};

struct CwdParams {
  std::string cwd = "/";
};

struct SuperviseParams {
  bool seccomp_notify = false;  // notify/log rules or learn mode
  bool oom = false;
  bool pids = false;
};

struct NoParams {};

using StepParams =
    std::variant<NoParams, SeccompFilter, NamespacesParams, JoinParams, UserNsParams, IdentityParams, CapSets,
                 CgroupParams, DeviceCgroupParams, DeviceNodesParams, RlimitsParams, OomScoreParams, RootfsParams,
                 PropagationParams, MountsParams, ProcParams, DevParams, SysParams, PathsParams, SuidParams,
                 ImageParams, AppArmorParams, SELinuxParams, LandlockParams, HostnameParams, NoNewPrivsParams, ExecParams,
                 CwdParams, SuperviseParams, TimeNamespaceParams>;

// The parameter type of each step kind (step_kind.h).
template <StepKind K>
struct StepParamsOf;
#define RINGFENCE_STEP_PARAMS(id, name, params_type, exec) \
  template <>                                              \
  struct StepParamsOf<StepKind::id> {                      \
    using type = params_type;                              \
  };
RINGFENCE_STEP_KINDS(RINGFENCE_STEP_PARAMS)
#undef RINGFENCE_STEP_PARAMS
template <StepKind K>
using ParamsOf = typename StepParamsOf<K>::type;

class Step {
 public:
  // The only way to make a step: its parameters are those of its kind, so
  // reading them (params_if) cannot meet another type.
  template <StepKind K>
  static Step make(Phase phase, ParamsOf<K> params, std::string reason) {
    return Step(K, phase, StepParams(std::move(params)), std::move(reason));
  }

  StepKind kind() const { return kind_; }
  std::string_view name() const { return step_name(kind_); }
  Phase phase() const { return phase_; }
  const std::string& reason() const { return reason_; }  // why it is at this place (plan_order.cpp)

  // Its parameters if it is of kind K, else nullptr.
  template <StepKind K>
  const ParamsOf<K>* params_if() const {
    return kind_ == K ? std::get_if<ParamsOf<K>>(&params_) : nullptr;
  }
  // The same, to change (an OCI exec's process.json: plan_process.h).
  template <StepKind K>
  ParamsOf<K>* params_if() {
    return kind_ == K ? std::get_if<ParamsOf<K>>(&params_) : nullptr;
  }
  // Whatever they are: for rendering (plan_json.cpp).
  const StepParams& any_params() const { return params_; }

 private:
  Step(StepKind kind, Phase phase, StepParams params, std::string reason)
      : kind_(kind), phase_(phase), params_(std::move(params)), reason_(std::move(reason)) {}

  StepKind kind_;
  Phase phase_;
  StepParams params_;
  std::string reason_;
};

struct Plan {
  std::string profile_name;
  std::vector<std::string> chain;  // the extends chain, root-most first
  bool privileged = false;
  std::vector<Step> steps;

  // The first step of a kind (a kind is in a plan at most once).
  const Step* find(StepKind kind) const;
  bool has(StepKind kind) const { return find(kind) != nullptr; }
  // Its parameters, or nullptr when the plan has no step of that kind.
  template <StepKind K>
  const ParamsOf<K>* params() const {
    const Step* s = find(K);
    return s ? s->params_if<K>() : nullptr;
  }
  template <StepKind K>
  ParamsOf<K>* params() {
    for (auto& s : steps)
      if (s.kind() == K) return s.params_if<K>();
    return nullptr;
  }
};

// The rows of the order table (plan_order.cpp) as (step name, phase name),
// whether or not a profile needs them: for documentation and its tests.
std::vector<std::pair<std::string, std::string>> plan_order_rows();

}  // namespace ringfence::policy
