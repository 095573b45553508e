// Which namespaces the sandbox gets, and which it joins. Docker's modes:
// "private" (new), "host" (none), "container:NAME" (join that sandbox's);
// podman's "ns:PATH" (join the namespace that file is).
#include "compile_context.h"

namespace ringfence::policy {
namespace {

constexpr std::string_view kContainer = "container:";
constexpr std::string_view kPath = "ns:";

// Returns whether a new namespace is created; records joins.
bool mode(const Setting<std::string>& s, const char* kind, CompileContext& ctx) {
  const std::string& v = s.value;
  if (v == "host") return false;
  if (v.starts_with(kContainer)) {
    ctx.joins.push_back({kind, v.substr(kContainer.size()), ""});
    return false;
  }
  if (v.starts_with(kPath)) {
    ctx.joins.push_back({kind, "", v.substr(kPath.size())});
    return false;
  }
  return true;
}

}  // namespace

void resolve_namespaces(CompileContext& ctx) {
  const auto& ns = ctx.p.user.ns;
  const bool maps = ns.uid_map.is_set() || ns.gid_map.is_set();
  // On the host's root a sandbox gets a user namespace unless its profile
  // says otherwise: root inside is then an unprivileged id outside, which
  // opens no root-only file, socket or FIFO of the host and signals no host
  // process. A --rootfs keeps Docker's default (no user namespace): its
  // files belong to ids the sandbox must be able to write as root.
  const bool host_default = ctx.host_root && !ctx.privileged;
  ctx.userns = ns.enabled.is_set() ? ns.enabled.value : (ns.automatic.value || maps || host_default);
  if (ctx.options.rootless) {
    // Without root, nothing but a user namespace of its own can be made.
    if (ns.enabled.is_set() && !ns.enabled.value)
      ctx.diags.error(ns.enabled.origin, "a rootless sandbox needs a user namespace, which this profile turns off");
    ctx.userns = true;
  }
  auto& n = ctx.namespaces;
  n.user = ctx.userns;
  n.mount = true;  // always: the sandbox's filesystem view is its own
  n.pid = mode(ctx.p.namespaces.pid, "pid", ctx);
  n.ipc = mode(ctx.p.ipc.mode, "ipc", ctx);
  n.uts = mode(ctx.p.namespaces.uts, "uts", ctx);
  n.net = mode(ctx.p.network.mode, "net", ctx);
  n.cgroup = mode(ctx.p.namespaces.cgroup, "cgroup", ctx);
  n.time = mode(ctx.p.namespaces.time, "time", ctx);
}

}  // namespace ringfence::policy
