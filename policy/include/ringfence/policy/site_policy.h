// The site policy floor (/etc/ringfence/policy.toml): what the machine's
// administrator allows any profile, command line or OCI bundle to ask for.
// Each key bounds one profile setting and has a mode: `enforce` refuses a
// request beyond it, `clamp` tightens the request and lets it run. See
// docs/site-policy.md for the file format.
//
// Where it applies: on the layers, after every layer of the request
// (profiles, command-line overrides, or a bundle's config.json layer) and
// before compile_layers. Not on the merged Profile, because the merge and
// the capability arithmetic (per-layer drop/add, "ALL", privileged) belong to
// the compiler; the floor judges the merged result but writes its clamps as
// one more layer on top (file = the policy file, every value located at the
// policy key that forced it) and removes refused mounts from the layer that
// asked for them. So the Plan, `plan`'s output and the plan hash that `exec`
// compares all show the clamped policy, each clamped value naming the policy
// line that set it, and nothing after the floor can loosen it again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/profile.h"

namespace ringfence::policy {

inline constexpr const char* kDefaultSitePolicyPath = "/etc/ringfence/policy.toml";

enum class FloorMode { Enforce, Clamp };

const char* floor_mode_name(FloorMode mode);  // "enforce" | "clamp"

// One key of the policy file, with its mode (the key's own, else its
// section's, else enforce) and where it was written.
template <class T>
struct FloorKey {
  T value{};
  FloorMode mode = FloorMode::Enforce;
  SourceLocation where;  // unknown: the key is not in the file, no bound
  bool is_set() const { return where.known(); }
};

struct SitePolicy {
  std::string file;  // as shown in messages

  // [capabilities] ceiling = ["CHOWN", "CAP_NET_BIND_SERVICE", ...]
  // A mask of capability numbers.
  FloorKey<std::uint64_t> capabilities_ceiling;
  // [seccomp] required = true: seccomp off (enabled = false, base = "none"
  // with an allow-everything default, or privileged) is unconfined.
  FloorKey<bool> seccomp_required;
  // [seccomp] audit = true: every call the filter refuses is recorded in the
  // audit log. Containers of ringfence-oci then keep a monitor each, which
  // reads the kernel's records (docs/oci.md, "The audit trail"); they are
  // not recorded otherwise. Recording takes nothing from a container, so
  // this key never refuses, whatever its mode: it turns recording on.
  FloorKey<bool> seccomp_audit;
  // [privileged] allowed = false
  FloorKey<bool> privileged_allowed;
  // [namespaces] host_pid/host_ipc/host_net/host_uts/host_cgroup = false.
  // "host" and any way of joining a namespace that is not another
  // sandbox's ("container:NAME") count as the host's.
  FloorKey<bool> host_pid, host_ipc, host_net, host_uts, host_cgroup;
  // [mounts] bind_sources = ["/srv/data", ...]: canonical host paths; a
  // volume's source, resolved (symlinks, ".."), must be one of them or below
  // one, component-wise (/srv/data2 is not below /srv/data).
  FloorKey<std::vector<std::string>> bind_sources;
  // [user] namespace_required = true
  FloorKey<bool> userns_required;
  // [resources] memory_max = "8g", pids_max = 4096, cpu_max = 2.5
  FloorKey<ByteSize> memory_max;
  FloorKey<std::int64_t> pids_max;
  FloorKey<CpuCount> cpu_max;

  bool empty() const;  // no key set: nothing to apply
};

// Reads and checks a policy file. Every problem (not TOML, unknown section
// or key, wrong type, unknown capability, relative bind source, bad mode)
// is a diagnostic with file:line:column; nullopt when there is any error,
// so that a broken policy is never half applied (fail closed).
std::optional<SitePolicy> read_site_policy(const std::string& text, const std::string& file, Diagnostics& diags);
std::optional<SitePolicy> load_site_policy(const std::string& path, Diagnostics& diags);

// What the command line chose: `flag` is --policy ("" when not given).
// With no flag, a missing /etc/ringfence/policy.toml means no floor
// (`policy` empty, ok true); a file given by --policy must exist. ok false
// means the diagnostics hold why and the caller must not run anything.
struct SitePolicyChoice {
  bool ok = true;
  std::optional<SitePolicy> policy;
};
SitePolicyChoice choose_site_policy(const std::string& flag, Diagnostics& diags);

// One thing the floor did or refused.
struct FloorDecision {
  std::string control;   // "floor.capabilities", "floor.seccomp", "floor.privileged",
                         // "floor.namespaces", "floor.mounts", "floor.user", "floor.resources"
  std::string key;       // the profile key: "capabilities", "network.mode", "filesystem.volumes", ...
  std::string policy_key;  // the policy key: "capabilities.ceiling", "namespaces.host_net", ...
  std::string asked;     // what the request asked for: "CAP_SYS_ADMIN", "host", "16g", "/etc:/x"
  std::string applied;   // what runs instead ("" when refused, or "removed" for a dropped mount)
  bool refused = false;  // enforce mode: the caller must refuse to run
  std::string where;     // where it was asked: "file:line:col", "config.json:/json/path",
                         // "--cap-add SYS_ADMIN" or "built-in default"
  SourceLocation asked_at;   // the same, as a location (unknown: built-in default)
  std::string policy_where;  // the policy key's "file:line:col"
  FloorMode mode = FloorMode::Enforce;
};

// Judges the merged request of `layers` (root-most first, as for
// compile_layers) against the floor. Clamps are applied to `layers` (a
// floor layer appended, refused-and-clamped mounts removed, bind sources
// rewritten to their resolved paths); refused decisions leave the layers
// as they were for that key and mean the caller must refuse the whole
// request. An empty policy changes nothing.
//
// `privileged_asks` are the other places a request asks for a privileged
// container, where it has no `privileged` key: an OCI bundle's device rule
// that allows every device is how Docker, podman and Kubernetes spell it.
std::vector<FloorDecision> apply_floor(const SitePolicy& policy, std::vector<Layer>& layers,
                                       const std::vector<SourceLocation>& privileged_asks = {});

// compile_layers with the floor applied first (no floor when `policy` is
// null). Every clamp and refusal goes to `decisions`; a refusal is also an
// error in the result's diagnostics, at the place that asked, and there is
// then no plan.
Compiled compile_with_floor(std::vector<Layer> layers, const CompileOptions& options, const SitePolicy* policy,
                            std::vector<FloorDecision>& decisions,
                            const std::vector<SourceLocation>& privileged_asks = {});

bool any_refused(const std::vector<FloorDecision>& decisions);

// "site policy (/etc/ringfence/policy.toml:4:1, capabilities.ceiling
// enforce) refuses CAP_SYS_ADMIN asked by config.json:/process/capabilities/
// bounding/14" — without the "ringfence: " prefix, which the caller adds.
std::string refusal_message(const FloorDecision& decision);
// "site policy (...) clamps CAP_SYS_ADMIN asked by ...; applied: dropped",
// or for a bound filled in where the request said nothing, "site policy
// (...) sets resources.memory, which the request leaves unset, to 256M".
std::string clamp_message(const FloorDecision& decision);

// "file:line:column", "file" when there is no line (a JSON path or a
// command-line flag), or "built-in default".
std::string describe_location(const SourceLocation& where);

}  // namespace ringfence::policy
