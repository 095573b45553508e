// Applying the site policy floor to a request's layers (site_policy.h says
// why on the layers and not on the merged profile). Each control judges the
// merged request; clamps go into one floor layer on top whose values are
// located at the policy key that forced them, except mounts, which no later
// layer can take away (volumes accumulate) and so are removed from the
// layer that asked for them.
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include <fmt/core.h>

#include "compile_context.h"
#include "ringfence/base/paths.h"
#include "ringfence/policy/merge.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/site_policy.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

std::uint64_t all_caps() {
  const int last = last_capability();
  return last >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;
}

class Floor {
 public:
  Floor(const SitePolicy& policy, std::vector<Layer>& layers, const std::vector<SourceLocation>& privileged_asks)
      : policy_(policy), layers_(layers), privileged_asks_(privileged_asks) {
    // Merged as the compiler will merge them: layer indices by position.
    std::vector<Layer> tagged = layers;
    for (std::size_t i = 0; i < tagged.size(); ++i) retag_layer(tagged[i], static_cast<int>(i));
    merged_ = merge_layers(tagged);
    floor_.file = policy.file;
    // Shown in the plan's chain, so that `plan` and the plan hash say that
    // a floor shaped this plan, and which file.
    floor_.display = std::string(kSiteFloorLayerPrefix) + policy.file;
  }

  std::vector<FloorDecision> run() {
    privileged();
    capabilities();
    seccomp();
    seccomp_audit();
    namespaces();
    user();
    mounts();
    resources();
    if (changed_) layers_.push_back(std::move(floor_));
    return std::move(decisions_);
  }

 private:
  template <class T>
  FloorDecision& decide(const char* control, std::string key, const char* policy_key, const FloorKey<T>& bound,
                        std::string asked, const SourceLocation& where, std::string applied) {
    FloorDecision d;
    d.control = control;
    d.key = std::move(key);
    d.policy_key = policy_key;
    d.asked = std::move(asked);
    d.mode = bound.mode;
    d.refused = bound.mode == FloorMode::Enforce;
    d.applied = d.refused ? "" : std::move(applied);
    d.where = describe_location(where);
    d.asked_at = where;
    d.policy_where = describe_location(bound.where);
    decisions_.push_back(std::move(d));
    return decisions_.back();
  }

  // A decision that never refuses: an unset key filled with the bound.
  template <class T>
  void fill(const char* control, std::string key, const char* policy_key, const FloorKey<T>& bound,
            std::string applied) {
    auto& d = decide(control, std::move(key), policy_key, bound, "unset", {}, applied);
    d.refused = false;
    d.mode = FloorMode::Clamp;
    d.applied = std::move(applied);
  }

  template <class T, class V>
  void put(Setting<T>& s, V value, const SourceLocation& at) {
    s.value = std::move(value);
    s.origin = at;
    changed_ = true;
  }

  // -------------------------------------------------------------- privileged
  bool privileged_ = false;  // after the floor

  void privileged() {
    const auto& p = merged_.profile.privileged;
    privileged_ = p.value;
    const auto& bound = policy_.privileged_allowed;
    if (!bound.is_set() || bound.value) return;
    // Not taken by the compiler in any case (oci_config.cpp): clamping it
    // changes nothing but says so.
    for (const auto& at : privileged_asks_)
      decide("floor.privileged", "linux.resources.devices", "privileged.allowed", bound, "privileged (every device)",
             at, "not privileged (the every-device rule is not applied)");
    if (!p.value) return;
    const auto& d = decide("floor.privileged", "profile.privileged", "privileged.allowed", bound, "privileged",
                           p.origin, "not privileged");
    if (!d.refused) turn_off_privileged(bound.where);
  }

  void turn_off_privileged(const SourceLocation& at) {
    put(floor_.data.profile.privileged, false, at);
    privileged_ = false;
  }

  // ------------------------------------------------------------ capabilities
  std::uint64_t effective_caps() {
    Diagnostics ignored;  // the compiler reports them, once
    CompileOptions options;
    std::vector<Layer> none;
    CompileContext ctx(merged_, none, options, ignored);
    ctx.privileged = privileged_;
    return resolve_capabilities(ctx).bounding;
  }

  // The last entry that added `cap` (or ALL), else the built-in default set.
  SourceLocation asked_at(int cap) const {
    SourceLocation at;
    for (const auto& a : merged_.capabilities.add.items) {
      if (a.value == "ALL" || capability_from_name(a.value) == cap) at = a.loc;
    }
    return at;
  }

  void capabilities() {
    const auto& bound = policy_.capabilities_ceiling;
    if (!bound.is_set()) return;
    if (privileged_ && (all_caps() & ~bound.value) != 0) {
      // Privileged means every capability whatever the ceiling: the only
      // way under it is not to be privileged.
      const auto& d = decide("floor.capabilities", "profile.privileged", "capabilities.ceiling", bound,
                             "privileged (every capability)", merged_.profile.privileged.origin, "not privileged");
      if (d.refused) return;
      turn_off_privileged(bound.where);
    }
    const std::uint64_t over = effective_caps() & ~bound.value;
    if (over == 0) return;
    bool clamped = false;
    for (int cap = 0; cap <= last_capability(); ++cap) {
      if (!(over & bit(cap))) continue;
      const auto& d = decide("floor.capabilities", "capabilities", "capabilities.ceiling", bound,
                             capability_name(cap), asked_at(cap), "dropped");
      if (d.refused) continue;
      floor_.data.capabilities.drop.items.push_back({capability_name(cap), bound.where, 0});
      clamped = changed_ = true;
    }
    if (!clamped) return;
    // An ambient capability outside the ceiling would now be an error of
    // the compiler's: it goes with its capability.
    const auto& ambient = merged_.capabilities.ambient;
    StringList kept;
    bool dropped = false;
    for (const auto& a : ambient.value) {
      auto c = capability_from_name(a.value);
      if (c && (over & bit(*c))) dropped = true;
      else kept.push_back(a);
    }
    if (dropped) put(floor_.data.capabilities.ambient, std::move(kept), bound.where);
  }

  // ----------------------------------------------------------------- seccomp
  void seccomp() {
    const auto& bound = policy_.seccomp_required;
    if (!bound.is_set() || !bound.value) return;
    const auto& s = merged_.seccomp;
    if (privileged_) {
      const auto& d = decide("floor.seccomp", "profile.privileged", "seccomp.required", bound,
                             "privileged (no seccomp filter)", merged_.profile.privileged.origin, "not privileged");
      if (d.refused) return;
      turn_off_privileged(bound.where);
    }
    // Unconfined: off, or a filter that allows everything (what an OCI
    // config.json with defaultAction SCMP_ACT_ALLOW and no rules says).
    const bool off = !s.enabled.value;
    const bool allow_all = s.base.value == "none" && s.default_action.value == "allow" && s.rules.items.empty();
    if (!off && !allow_all) return;
    const auto& d = decide("floor.seccomp", off ? "seccomp.enabled" : "seccomp.default_action", "seccomp.required",
                           bound, off ? "unconfined (enabled = false)" : "unconfined (allows every syscall)",
                           off ? s.enabled.origin : s.default_action.origin, "the default filter");
    if (d.refused) return;
    put(floor_.data.seccomp.enabled, true, bound.where);
    if (allow_all) {
      put(floor_.data.seccomp.base, std::string("default"), bound.where);
      put(floor_.data.seccomp.default_action, std::string("errno"), bound.where);
      put(floor_.data.seccomp.default_errno, ErrnoValue{1}, bound.where);
    }
  }

  // [seccomp] audit = true: recording refusals takes nothing from the
  // sandbox, so the key never refuses, and turning it on is no decision to
  // warn about or record (a bundle never asks for recording: ringfence
  // leaves it off for them, oci_config.cpp). The floor layer carries it, so
  // the plan and its hash say that recording is on, and why.
  void seccomp_audit() {
    const auto& bound = policy_.seccomp_audit;
    if (!bound.is_set() || !bound.value || merged_.seccomp.audit.value) return;
    put(floor_.data.seccomp.audit, true, bound.where);
  }

  // -------------------------------------------------------------- namespaces
  // Private values of each key; "container:NAME" joins another sandbox's,
  // which is not the host's. A namespace file ("ns:PATH", an OCI bundle's
  // path) is the host's when it is the namespace ringfence itself runs in,
  // or when that cannot be told. Anything else counts as the host's.
  static bool shares_host(const std::string& mode, const char* proc_name) {
    if (mode.starts_with("ns:")) {
      struct stat theirs {}, ours {};
      const std::string own = fmt::format("/proc/self/ns/{}", proc_name);
      if (stat(mode.c_str() + 3, &theirs) != 0 || stat(own.c_str(), &ours) != 0) return true;
      return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
    }
    return !(mode == "private" || mode == "none" || mode == "shareable" || mode.starts_with("container:"));
  }

  void one_namespace(const FloorKey<bool>& bound, const char* policy_key, const char* key, const char* proc_name,
                     const Setting<std::string>& asked, Setting<std::string>& out, const char* private_value) {
    if (!bound.is_set() || bound.value || !shares_host(asked.value, proc_name)) return;
    const auto& d = decide("floor.namespaces", key, policy_key, bound, asked.value, asked.origin, private_value);
    if (!d.refused) put(out, std::string(private_value), bound.where);
  }

  void namespaces() {
    auto& f = floor_.data;
    const auto& m = merged_;
    one_namespace(policy_.host_pid, "namespaces.host_pid", "namespaces.pid", "pid", m.namespaces.pid,
                  f.namespaces.pid, "private");
    one_namespace(policy_.host_ipc, "namespaces.host_ipc", "ipc.mode", "ipc", m.ipc.mode, f.ipc.mode, "private");
    one_namespace(policy_.host_net, "namespaces.host_net", "network.mode", "net", m.network.mode, f.network.mode,
                  "none");
    one_namespace(policy_.host_uts, "namespaces.host_uts", "namespaces.uts", "uts", m.namespaces.uts,
                  f.namespaces.uts, "private");
    one_namespace(policy_.host_cgroup, "namespaces.host_cgroup", "namespaces.cgroup", "cgroup",
                  m.namespaces.cgroup, f.namespaces.cgroup, "private");
  }

  // -------------------------------------------------------------------- user
  void user() {
    const auto& bound = policy_.userns_required;
    if (!bound.is_set() || !bound.value) return;
    const auto& ns = merged_.user.ns;
    if (ns.enabled.is_set() && ns.enabled.value) return;
    if (!ns.enabled.is_set() && (ns.automatic.value || ns.uid_map.is_set() || ns.gid_map.is_set())) return;
    if (!ns.enabled.is_set()) {
      // Unset: whether there is one depends on the rootfs; the floor makes
      // sure, without refusing what nobody asked for.
      fill("floor.user", "user.namespace.enabled", "user.namespace_required", bound, "true");
    } else {
      const auto& d = decide("floor.user", "user.namespace.enabled", "user.namespace_required", bound, "false",
                             ns.enabled.origin, "true");
      if (d.refused) return;
    }
    put(floor_.data.user.ns.enabled, true, bound.where);
  }

  // ------------------------------------------------------------------ mounts
  void mounts() {
    const auto& bound = policy_.bind_sources;
    if (!bound.is_set()) return;
    // The allowed prefixes as the kernel will see them (an allowed path
    // that is itself a symlink means where it points).
    std::vector<std::string> allowed;
    for (const auto& p : bound.value) {
      std::error_code ec;
      auto real = std::filesystem::canonical(p, ec);
      allowed.push_back(ec ? p : real.string());
    }
    for (auto& layer : layers_) {
      auto& items = layer.data.filesystem.volumes.items;
      for (auto it = items.begin(); it != items.end();) {
        if (!it->source.is_set()) {
          ++it;
          continue;
        }
        const std::string& asked = it->source.value;
        std::string target = it->target.is_set() ? it->target.value : "?";
        std::error_code ec;
        // Symlinks and ".." resolved now, and the mount then uses the
        // resolved path: what was judged is what is mounted.
        const auto real = std::filesystem::canonical(asked, ec);
        bool ok = false;
        if (!ec && !asked.empty() && asked.front() == '/')
          for (const auto& a : allowed) ok = ok || path_within(real.string(), a);
        if (ok) {
          if (real.string() != asked) it->source.value = real.string();
          it->exact = true;
          ++it;
          continue;
        }
        std::string what = fmt::format("{}:{}", asked, target);
        if (ec) what += fmt::format(" ({})", ec.message());
        else if (real.string() != asked) what += fmt::format(" (resolves to {})", real.string());
        const auto& d = decide("floor.mounts", "filesystem.volumes", "mounts.bind_sources", bound, what,
                               it->source.origin, "removed");
        if (d.refused) {
          ++it;
        } else {
          it = items.erase(it);
        }
      }
    }
  }

  // --------------------------------------------------------------- resources
  void resources() {
    const auto& r = merged_.resources;
    auto& f = floor_.data.resources;
    if (const auto& b = policy_.memory_max; b.is_set()) {
      const std::string max = format_byte_size(b.value.bytes);
      if (!r.memory.is_set()) {
        fill("floor.resources", "resources.memory", "resources.memory_max", b, max);
        put(f.memory, b.value, b.where);
      } else if (r.memory.value.unlimited || r.memory.value.bytes > b.value.bytes) {
        const auto& d = decide("floor.resources", "resources.memory", "resources.memory_max", b,
                               r.memory.value.unlimited ? "unlimited" : format_byte_size(r.memory.value.bytes),
                               r.memory.origin, max);
        if (!d.refused) put(f.memory, b.value, b.where);
      }
    }
    if (const auto& b = policy_.pids_max; b.is_set()) {
      const std::string max = std::to_string(b.value);
      if (!r.pids_limit.is_set()) {
        fill("floor.resources", "resources.pids_limit", "resources.pids_max", b, max);
        put(f.pids_limit, b.value, b.where);
      } else if (r.pids_limit.value <= 0 || r.pids_limit.value > b.value) {
        const auto& d = decide("floor.resources", "resources.pids_limit", "resources.pids_max", b,
                               r.pids_limit.value <= 0 ? "unlimited" : std::to_string(r.pids_limit.value),
                               r.pids_limit.origin, max);
        if (!d.refused) put(f.pids_limit, b.value, b.where);
      }
    }
    if (const auto& b = policy_.cpu_max; b.is_set()) {
      const std::string max = fmt::format("{}", b.value.cpus);
      if (!r.cpus.is_set()) {
        fill("floor.resources", "resources.cpus", "resources.cpu_max", b, max);
        put(f.cpus, b.value, b.where);
      } else if (r.cpus.value.cpus > b.value.cpus) {
        const auto& d = decide("floor.resources", "resources.cpus", "resources.cpu_max", b,
                               fmt::format("{}", r.cpus.value.cpus), r.cpus.origin, max);
        if (!d.refused) put(f.cpus, b.value, b.where);
      }
    }
  }

  const SitePolicy& policy_;
  std::vector<Layer>& layers_;
  const std::vector<SourceLocation>& privileged_asks_;
  Profile merged_;
  Layer floor_;
  bool changed_ = false;
  std::vector<FloorDecision> decisions_;
};

}  // namespace

std::string describe_location(const SourceLocation& where) {
  if (!where.known()) return "built-in default";
  if (where.line == 0) return where.file;
  return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

std::vector<FloorDecision> apply_floor(const SitePolicy& policy, std::vector<Layer>& layers,
                                       const std::vector<SourceLocation>& privileged_asks) {
  if (policy.empty()) return {};
  return Floor(policy, layers, privileged_asks).run();
}

bool any_refused(const std::vector<FloorDecision>& decisions) {
  for (const auto& d : decisions)
    if (d.refused) return true;
  return false;
}

Compiled compile_with_floor(std::vector<Layer> layers, const CompileOptions& options, const SitePolicy* policy,
                            std::vector<FloorDecision>& decisions,
                            const std::vector<SourceLocation>& privileged_asks) {
  decisions.clear();
  if (policy != nullptr) decisions = apply_floor(*policy, layers, privileged_asks);
  if (!any_refused(decisions)) return compile_layers(std::move(layers), options);
  Compiled refused;
  for (const auto& d : decisions)
    if (d.refused)
      refused.diags.error(d.asked_at, fmt::format("the site policy refuses {} ({} at {}, {})", d.asked, d.policy_key,
                                                  d.policy_where, floor_mode_name(d.mode)));
  refused.layers = std::move(layers);
  return refused;
}

std::string refusal_message(const FloorDecision& d) {
  return fmt::format("site policy ({}, {} {}) refuses {} asked by {}", d.policy_where, d.policy_key,
                     floor_mode_name(d.mode), d.asked, d.where);
}

std::string clamp_message(const FloorDecision& d) {
  if (!d.asked_at.known() && d.asked == "unset")
    return fmt::format("site policy ({}, {}) sets {}, which the request leaves unset, to {}", d.policy_where,
                       d.policy_key, d.key, d.applied);
  return fmt::format("site policy ({}, {} {}) clamps {} asked by {}; applied: {}", d.policy_where, d.policy_key,
                     floor_mode_name(d.mode), d.asked, d.where, d.applied);
}

}  // namespace ringfence::policy
