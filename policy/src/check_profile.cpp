// Checks that need the whole merged profile: contradictions between
// settings, and what the resolved seccomp filter must allow for ringfence
// itself to start the program.
#include <fmt/format.h>

#include <algorithm>

#include "compile_context.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/units.h"

namespace ringfence::policy {
namespace {

// The layer index of the file a setting came from (-1: built-in or base).
int layer_of(const SourceLocation& at, const std::vector<Layer>& layers) {
  for (std::size_t i = layers.size(); i-- > 0;)
    if (layers[i].file == at.file) return static_cast<int>(i);
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

bool overlaps(const IdMapEntry& a, const IdMapEntry& b, bool inside) {
  const auto& fa = inside ? a.inside : a.outside;
  const auto& fb = inside ? b.inside : b.outside;
  return fa.value < fb.value + b.count.value && fb.value < fa.value + a.count.value;
}

void check_id_map(const Setting<std::vector<IdMapEntry>>& map, const char* key, Diagnostics& diags) {
  const auto& m = map.value;
  for (std::size_t i = 0; i < m.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      for (bool inside : {true, false})
        if (overlaps(m[i], m[j], inside))
          diags.error(m[i].loc, fmt::format("'{}': this entry's {} range overlaps the entry at line {}", key,
                                            inside ? "inside" : "outside", m[j].loc.line));
}

bool mapped(std::int64_t id, const std::vector<IdMapEntry>& map) {
  return std::any_of(map.begin(), map.end(), [&](const IdMapEntry& e) {
    return id >= e.inside.value && id < e.inside.value + e.count.value;
  });
}

void check_user_namespace(CompileContext& ctx) {
  const auto& u = ctx.p.user;
  const auto& ns = u.ns;
  if (ns.enabled.is_set() && !ns.enabled.value && (ns.uid_map.is_set() || ns.gid_map.is_set() || ns.automatic.value))
    ctx.diags.error(ns.enabled.origin, "'user.namespace.enabled' is false but maps or auto are set");
  if (!ctx.userns) return;
  check_id_map(ns.uid_map, "user.namespace.uid_map", ctx.diags);
  check_id_map(ns.gid_map, "user.namespace.gid_map", ctx.diags);
  if (ns.uid_map.is_set() != ns.gid_map.is_set())
    ctx.diags.error(ns.uid_map.is_set() ? ns.uid_map.origin : ns.gid_map.origin,
                    "a user namespace needs both 'uid_map' and 'gid_map'");
  if (ns.uid_map.is_set() && u.uid.is_set() && !mapped(u.uid.value, ns.uid_map.value))
    ctx.diags.error(u.uid.origin, fmt::format("uid {} is not mapped in 'user.namespace.uid_map'", u.uid.value));
  if (ns.gid_map.is_set() && u.gid.is_set() && !mapped(u.gid.value, ns.gid_map.value))
    ctx.diags.error(u.gid.origin, fmt::format("gid {} is not mapped in 'user.namespace.gid_map'", u.gid.value));
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
}

// Is `name` allowed without conditions by the filter?
bool allows(const SeccompFilter& f, const std::string& name) {
  for (const auto& rule : f.rules)
    if (std::find(rule.syscalls.begin(), rule.syscalls.end(), name) != rule.syscalls.end())
      return rule.conditions.empty() &&
             (rule.action.kind == SeccompActionKind::Allow || rule.action.kind == SeccompActionKind::Log);
  return f.default_action.kind == SeccompActionKind::Allow || f.default_action.kind == SeccompActionKind::Log;
}

bool notifies(const SeccompFilter& f, const std::string& name) {
  for (const auto& rule : f.rules)
    if (std::find(rule.syscalls.begin(), rule.syscalls.end(), name) != rule.syscalls.end())
      return rule.action.kind == SeccompActionKind::Notify;
  return f.default_action.kind == SeccompActionKind::Notify || f.audit;
}

void check_seccomp(CompileContext& ctx) {
  if (!ctx.seccomp) return;
  const auto& f = *ctx.seccomp;
  const SourceLocation& at = ctx.p.seccomp.rules.empty() ? ctx.p.seccomp.base.origin : ctx.p.seccomp.rules.items.back().loc;
  // The filter is loaded last, so it must let ringfence exec the program.
  if (!allows(f, "execveat") && !allows(f, "execve"))
    ctx.diags.error(at, "seccomp denies both execve and execveat: the program could never start");
  // The listener fd goes to the supervisor with sendmsg after the filter is
  // loaded; a notified sendmsg would wait for a supervisor that waits for it.
  if (notifies(f, "sendmsg"))
    ctx.diags.error(at, "seccomp sends sendmsg to the supervisor, which needs sendmsg to receive the filter's "
                        "listener: allow sendmsg");
  // Without no_new_privileges the filter is loaded while ringfence still has
  // CAP_SYS_ADMIN, before the privilege drop, so the drop's own calls must
  // pass it.
  if (!ctx.nnp) {
    for (const char* call : {"capset", "setresuid", "setresgid", "setgroups", "prctl"})
      if (!allows(f, call))
        ctx.diags.error(ctx.p.suid.no_new_privileges.origin,
                        fmt::format("with no_new_privileges = false seccomp is loaded before the privilege drop, "
                                    "so it must allow '{}'",
                                    call));
  }
}

void check_landlock(CompileContext& ctx) {
  const auto& l = ctx.p.landlock;
  const bool any = !l.read_only.value.empty() || !l.read_write.value.empty() || !l.execute.value.empty();
  if (l.enabled.is_set() && l.enabled.value && !any)
    ctx.diags.error(l.enabled.origin, "Landlock with no paths would deny every file: list read_only, read_write or "
                                      "execute paths");
  if (any && l.execute.value.empty() && (!l.enabled.is_set() || l.enabled.value))
    ctx.diags.warning(l.enabled.is_set() ? l.enabled.origin
                                         : (l.read_only.is_set() ? l.read_only.origin : l.read_write.origin),
                      "Landlock lists no 'execute' paths: no program could be executed");
}

}  // namespace

void check_profile(CompileContext& ctx) {
  check_privileged(ctx);
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
  if (p.selinux.disable.value && (p.selinux.user.is_set() || p.selinux.role.is_set() || p.selinux.type.is_set() ||
                                  p.selinux.level.is_set()))
    ctx.diags.error(p.selinux.disable.origin, "'selinux.disable' with a label: keep one");
  if (!ctx.namespaces.uts && p.process.hostname.is_set())
    ctx.diags.error(p.process.hostname.origin, "'process.hostname' needs a private UTS namespace");
}

}  // namespace ringfence::policy
