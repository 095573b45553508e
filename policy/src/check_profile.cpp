// Checks that need the whole merged profile: contradictions between
// settings, and what the resolved seccomp filter must allow for ringfence
// itself to start the program.
#include <fmt/format.h>

#include <algorithm>

#include "compile_context.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/overrides.h"
#include "ringfence/policy/seccomp_query.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

// The layer index of the file a setting came from (-1: built-in or base).
int layer_of(const SourceLocation& at, const std::vector<Layer>& layers) {
  for (std::size_t i = layers.size(); i-- > 0;)
    if (layers[i].file == at.file || (at.on_command_line() && layers[i].file == kCommandLineLayer))
      return static_cast<int>(i);
  return -1;
}

void check_privileged(CompileContext& ctx) {
  const auto& priv = ctx.p.profile.privileged;
  if (!priv.value) return;
  const int from = layer_of(priv.origin, ctx.layers);
  for (const auto& r : ctx.p.seccomp.rules.items)
    if (r.layer >= from)
      ctx.diags.error(r.loc, "a seccomp rule in a privileged profile: privileged = true turns seccomp off, so this "
                             "rule would never apply");
  if (ctx.p.seccomp.base.is_set() && layer_of(ctx.p.seccomp.base.origin, ctx.layers) >= from &&
      ctx.p.seccomp.base.value != "none")
    ctx.diags.error(ctx.p.seccomp.base.origin, "'seccomp.base' in a privileged profile: privileged = true turns "
                                               "seccomp off");
  for (const auto& d : ctx.p.capabilities.drop.items)
    if (d.layer >= from)
      ctx.diags.warning(d.loc, "'capabilities.drop' has no effect: privileged = true gives every capability");
  if (ctx.p.filesystem.masked_paths.is_set() && layer_of(ctx.p.filesystem.masked_paths.origin, ctx.layers) >= from &&
      !ctx.p.filesystem.masked_paths.value.empty())
    ctx.diags.warning(ctx.p.filesystem.masked_paths.origin,
                      "'filesystem.masked_paths' has no effect: privileged = true masks nothing");
}

// An entry whose numbers validate_layer accepted (it reports the others);
// only those are compared, so that the sums below cannot overflow.
bool usable(const IdMapEntry& e) {
  for (const auto* f : {&e.inside, &e.outside, &e.count})
    if (!f->is_set() || f->value < 0 || f->value > 4294967295LL) return false;
  return e.count.value > 0;
}

// Rules written at or above the layer that turned seccomp off would never
// apply; rules a parent wrote before a child turned it off are that child's
// choice.
void check_seccomp_disabled(CompileContext& ctx) {
  const auto& enabled = ctx.p.seccomp.enabled;
  if (ctx.privileged || !enabled.is_set() || enabled.value) return;
  const int from = layer_of(enabled.origin, ctx.layers);
  for (const auto& r : ctx.p.seccomp.rules.items)
    if (r.layer >= from)
      ctx.diags.error(r.loc, fmt::format("a seccomp rule with 'seccomp.enabled = false' (at {}:{}:{}): this rule would "
                                         "never apply; remove it or enable seccomp",
                                         enabled.origin.file, enabled.origin.line, enabled.origin.column));
}

bool overlaps(const IdMapEntry& a, const IdMapEntry& b, bool inside) {
  const auto& fa = inside ? a.inside : a.outside;
  const auto& fb = inside ? b.inside : b.outside;
  return fa.value < fb.value + b.count.value && fb.value < fa.value + a.count.value;
}

void check_id_map(const Setting<std::vector<IdMapEntry>>& map, const char* key, Diagnostics& diags) {
  const auto& m = map.value;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (!usable(m[i])) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (!usable(m[j])) continue;
      for (bool inside : {true, false}) {
        if (!overlaps(m[i], m[j], inside)) continue;
        const auto& a = inside ? m[i].inside : m[i].outside;
        const auto& b = inside ? m[j].inside : m[j].outside;
        diags.error(m[i].loc, fmt::format("'{}': {} ids {}-{} overlap {}-{} of the entry at line {}; each id may be "
                                          "mapped once",
                                          key, inside ? "inside" : "outside", a.value, a.value + m[i].count.value - 1,
                                          b.value, b.value + m[j].count.value - 1, m[j].loc.line));
      }
    }
  }
}

bool mapped(std::int64_t id, const std::vector<IdMapEntry>& map) {
  return std::any_of(map.begin(), map.end(), [&](const IdMapEntry& e) {
    return usable(e) && id >= e.inside.value && id < e.inside.value + e.count.value;
  });
}

// "maps inside ids 0-65535, 70000-70009": what a map covers.
std::string covered(const std::vector<IdMapEntry>& map) {
  std::vector<std::string> parts;
  for (const auto& e : map)
    if (usable(e)) parts.push_back(fmt::format("{}-{}", e.inside.value, e.inside.value + e.count.value - 1));
  return parts.empty() ? "maps no ids" : fmt::format("maps inside ids {}", fmt::join(parts, ", "));
}

void check_user_namespace(CompileContext& ctx) {
  const auto& u = ctx.p.user;
  const auto& ns = u.ns;
  if (ns.enabled.is_set() && !ns.enabled.value && (ns.uid_map.is_set() || ns.gid_map.is_set() || ns.automatic.value)) {
    std::vector<std::string> set;
    if (ns.uid_map.is_set()) set.push_back("uid_map");
    if (ns.gid_map.is_set()) set.push_back("gid_map");
    if (ns.automatic.value) set.push_back("auto");
    ctx.diags.error(ns.enabled.origin, fmt::format("'user.namespace.enabled' is false, but {} {} set, which only a user "
                                                   "namespace uses (remove {} or set enabled = true)",
                                                   fmt::join(set, " and "), set.size() == 1 ? "is" : "are",
                                                   set.size() == 1 ? "it" : "them"));
  }
  if (!ctx.userns) return;
  check_id_map(ns.uid_map, "user.namespace.uid_map", ctx.diags);
  check_id_map(ns.gid_map, "user.namespace.gid_map", ctx.diags);
  if (ns.uid_map.is_set() != ns.gid_map.is_set())
    ctx.diags.error(ns.uid_map.is_set() ? ns.uid_map.origin : ns.gid_map.origin,
                    "a user namespace needs both 'uid_map' and 'gid_map'");
  if (ns.uid_map.is_set() && u.uid.is_set() && !mapped(u.uid.value, ns.uid_map.value))
    ctx.diags.error(u.uid.origin, fmt::format("'user.uid': uid {} is not mapped in 'user.namespace.uid_map' (which "
                                              "{})",
                                              u.uid.value, covered(ns.uid_map.value)));
  if (ns.gid_map.is_set() && u.gid.is_set() && !mapped(u.gid.value, ns.gid_map.value))
    ctx.diags.error(u.gid.origin, fmt::format("'user.gid': gid {} is not mapped in 'user.namespace.gid_map' (which "
                                              "{})",
                                              u.gid.value, covered(ns.gid_map.value)));
  if (!u.groups.value.empty() && ns.setgroups.value == "deny")
    ctx.diags.error(u.groups.origin, "'user.groups' needs setgroups(2), which 'user.namespace.setgroups = \"deny\"' "
                                     "forbids");
}

void check_resources(CompileContext& ctx) {
  const auto& r = ctx.p.resources;
  if (r.memory_swap.is_set() && !r.memory.is_set())
    ctx.diags.error(r.memory_swap.origin, "'resources.memory_swap' needs 'resources.memory' (as Docker's --memory-swap)");
  if (r.memory_swap.is_set() && r.memory.is_set() && !r.memory_swap.value.unlimited && !r.memory.value.unlimited &&
      r.memory_swap.value.bytes < r.memory.value.bytes)
    ctx.diags.error(r.memory_swap.origin,
                    fmt::format("'resources.memory_swap' ({}) is memory plus swap: it must be at least "
                                "'resources.memory' ({}, set at {}:{}:{})",
                                format_byte_size(r.memory_swap.value.bytes), format_byte_size(r.memory.value.bytes),
                                r.memory.origin.file, r.memory.origin.line, r.memory.origin.column));
  if (r.memory_reservation.is_set() && r.memory.is_set() && !r.memory.value.unlimited &&
      r.memory_reservation.value.bytes > r.memory.value.bytes)
    ctx.diags.error(r.memory_reservation.origin, "'resources.memory_reservation' must not exceed 'resources.memory'");
  // The init is in the cgroup too: with a limit of one process it can never
  // fork the program, which failed as a bare "exec failed".
  if (r.pids_limit.is_set() && r.pids_limit.value == 1 && ctx.p.process.init.value && ctx.namespaces.pid)
    ctx.diags.error(r.pids_limit.origin,
                    "'resources.pids_limit' = 1 leaves the program no process: the sandbox's init (PID 1) counts "
                    "as one; give at least 2, or set process.init = false");
}

// The rule that decides `name`, or nothing when the default action does.
const SeccompRule* rule_for(const SeccompFilter& f, const std::string& name) {
  for (const auto& rule : f.rules)
    if (std::find(rule.syscalls.begin(), rule.syscalls.end(), name) != rule.syscalls.end()) return &rule;
  return nullptr;
}

bool allows(const SeccompFilter& f, const std::string& name) { return seccomp_allows(f, name); }
bool notifies(const SeccompFilter& f, const std::string& name) { return seccomp_notifies(f, name); }

// Would the filter let glibc's fork() through? It is clone(2) with
// SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID on x86_64.
bool allows_fork(const SeccompFilter& f) {
  constexpr std::uint64_t kForkFlags = 17 /* SIGCHLD */ | 0x01000000 /* CLONE_CHILD_SETTID */ |
                                       0x00200000 /* CLONE_CHILD_CLEARTID */;
  for (const char* call : {"clone", "fork", "vfork"}) {
    const int nr = seccomp_syscall_number(call);
    if (nr < 0) continue;
    const SeccompRule* rule = seccomp_match(f, seccomp_native_arch(), nr, {kForkFlags, 0, 0, 0, 0, 0});
    const SeccompAction& a = rule ? rule->action : f.default_action;
    if (a.kind == SeccompActionKind::Allow || a.kind == SeccompActionKind::Log) return true;
  }
  return false;
}

// Where the profile decided what happens to `name`: the rule that names it,
// else the default action, else the base.
SourceLocation decided_at(const CompileContext& ctx, const std::string& name) {
  const auto& s = ctx.p.seccomp;
  if (const auto* rule = rule_for(*ctx.seccomp, name); rule && rule->from.known()) return rule->from;
  if (s.default_action.origin.known()) return s.default_action.origin;
  if (!s.rules.empty()) return s.rules.items.back().loc;
  return s.base.origin;
}

void check_seccomp(CompileContext& ctx) {
  if (!ctx.seccomp) return;
  const auto& f = *ctx.seccomp;
  // The filter is loaded last, so it must let ringfence exec the program.
  if (!allows(f, "execveat") && !allows(f, "execve")) {
    const auto* rule = rule_for(f, "execve");
    ctx.diags.error(decided_at(ctx, rule ? "execve" : "execveat"),
                    "seccomp allows neither execve nor execveat (without conditions): ringfence could not start "
                    "the program; allow one of them");
  }
  // The listener fd goes to the supervisor with sendmsg after the filter is
  // loaded; a notified sendmsg would wait for a supervisor that waits for it.
  if (notifies(f, "sendmsg"))
    ctx.diags.error(decided_at(ctx, "sendmsg"),
                    "seccomp notifies on sendmsg, but the filter's listener reaches the supervisor by sendmsg: the "
                    "sandbox would hang; allow sendmsg (or use errno)");
  // Without no_new_privileges the filter is loaded while ringfence still has
  // CAP_SYS_ADMIN, before the privilege drop, so the drop's own calls must
  // pass it.
  if (!ctx.nnp) {
    std::vector<const char*> calls = {"capset", "setresuid", "setresgid", "setgroups", "prctl"};
    // Landlock, too, comes after the filter then.
    const auto& l = ctx.p.landlock;
    const bool landlock = l.enabled.is_set() ? l.enabled.value
                                             : (!l.read_only.value.empty() || !l.read_write.value.empty() ||
                                                !l.execute.value.empty());
    if (landlock)
      calls.insert(calls.end(), {"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"});
    for (const char* call : calls)
      if (!allows(f, call))
        ctx.diags.error(ctx.p.suid.no_new_privileges.origin,
                        fmt::format("with no_new_privileges = false seccomp is loaded before the privilege drop, "
                                    "so it must allow '{}'",
                                    call));
  }
  // The init forks the program after the filter is loaded.
  if (ctx.p.process.init.value && ctx.namespaces.pid && !allows_fork(f))
    ctx.diags.error(decided_at(ctx, "clone"),
                    "seccomp denies fork (clone with SIGCHLD), which the PID 1 init needs to start the program; "
                    "allow it or set process.init = false");
}

void check_landlock(CompileContext& ctx) {
  const auto& l = ctx.p.landlock;
  const bool any = !l.read_only.value.empty() || !l.read_write.value.empty() || !l.execute.value.empty();
  if (l.enabled.is_set() && l.enabled.value && !any)
    ctx.diags.error(l.enabled.origin, "'landlock.enabled' is true but no paths are listed: Landlock would deny every "
                                      "file (list read_only, read_write or execute paths)");
  if (any && l.execute.value.empty() && (!l.enabled.is_set() || l.enabled.value))
    ctx.diags.warning(l.enabled.is_set() ? l.enabled.origin
                                         : (l.read_only.is_set() ? l.read_only.origin : l.read_write.origin),
                      "Landlock lists no 'execute' paths: no program could be executed");
}

}  // namespace

void check_profile(CompileContext& ctx) {
  check_privileged(ctx);
  check_seccomp_disabled(ctx);
  check_user_namespace(ctx);
  check_resources(ctx);
  check_seccomp(ctx);
  check_landlock(ctx);
  const auto& p = ctx.p;
  if (p.ipc.shm_size.is_set() && (p.ipc.mode.value == "host" || p.ipc.mode.value.starts_with("container:")))
    ctx.diags.warning(p.ipc.shm_size.origin, "'ipc.shm_size' has no effect when the IPC namespace is not private");
  if (p.ipc.shm_size.is_set() && p.ipc.mode.value == "none")
    ctx.diags.warning(p.ipc.shm_size.origin, "'ipc.shm_size' has no effect with ipc.mode \"none\" (no /dev/shm)");
  if (!p.suid.keep.value.empty() && p.suid.strip.value != "strip")
    ctx.diags.warning(p.suid.keep.origin, "'suid.keep' applies only with strip = \"strip\"");
  if (p.selinux.disable.value) {
    std::vector<std::string> label;
    for (auto [key, s] : {std::pair{"user", &p.selinux.user}, {"role", &p.selinux.role}, {"type", &p.selinux.type},
                          {"level", &p.selinux.level}})
      if (s->is_set()) label.push_back(fmt::format("'selinux.{}'", key));
    if (!label.empty())
      ctx.diags.error(p.selinux.disable.origin,
                      fmt::format("'selinux.disable' turns SELinux labelling off, but {} {} a label: remove one or "
                                  "the other",
                                  fmt::join(label, ", "), label.size() == 1 ? "sets" : "set"));
  }
  // A host name inherited from below the layer that shares the host's UTS
  // namespace (default.toml's "sandbox" under --uts host) simply has no
  // effect; one written at or above it contradicts it.
  if (!ctx.namespaces.uts && p.process.hostname.is_set() &&
      layer_of(p.process.hostname.origin, ctx.layers) >= layer_of(p.namespaces.uts.origin, ctx.layers)) {
    const auto& uts = p.namespaces.uts;
    ctx.diags.error(p.process.hostname.origin,
                    fmt::format("'process.hostname' needs a private UTS namespace, but 'namespaces.uts' is \"{}\"{}: "
                                "remove the hostname or make uts \"private\"",
                                printable(uts.value),
                                uts.origin.known() ? fmt::format(" (at {}:{}:{})", uts.origin.file, uts.origin.line,
                                                                 uts.origin.column)
                                                   : ""));
  }
  // A clock offset is a property of a time namespace of the sandbox's own.
  if (!ctx.namespaces.time)
    for (const auto* offset : {&p.namespaces.time_offset_monotonic, &p.namespaces.time_offset_boottime})
      if (offset->is_set() && offset->value != 0)
        ctx.diags.error(offset->origin, "a clock offset needs a time namespace of the sandbox's own: set "
                                        "'namespaces.time = \"private\"'");
}

}  // namespace ringfence::policy
