// Steps the parent carries out: before the clone (compile, check, create)
// and after it, while the child waits (maps, cgroup, limits).
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "handlers.h"
#include "userns.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"
#include "ringfence/enforcer/landlock.h"
#include "ringfence/enforcer/lsm.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/enforcer/seccomp_cache.h"
#include "ringfence/enforcer/suid_harden.h"
#include "ringfence/image/verify.h"
#include "ringfence/policy/namespace_kinds.h"
#include "ringfence/runtime/state.h"
#include "ringfence/runtime/subids.h"
#include "ringfence/enforcer/mount_sources.h"

namespace ringfence::runtime::handlers {
namespace {


// An optional feature the kernel lacks: a warning and the paired child step
// skipped; otherwise the step fails.
Status missing_feature(RunContext& ctx, policy::StepKind step, bool optional, const Status& why,
                       policy::StepKind child_step) {
  if (!optional) return Status::failure(why.message + "; the profile requires it (set optional = true to run without it)",
                                        why.err);
  ctx.skipped.insert(child_step);
  if (ctx.warn) ctx.warn(std::string(policy::step_name(step)), why.message + "; optional, so the sandbox runs without it");
  return {};
}

}  // namespace

Status image_verify(const policy::ImageParams& params, RunContext& ctx) {
  const auto* root = ctx.plan.params<policy::StepKind::MountRootfs>();
  if (!root || root->image.empty())
    return Status::failure(
        fmt::format("the profile pins image {}, but the sandbox's root is {}, not an image: run it with --image",
                    params.digest, !root || root->host_root ? "the host's" : root->path),
        EPERM);
  if (root->image != params.digest)
    return Status::failure(
        fmt::format("the profile pins image {}; this is image {}: refused", params.digest, root->image), EPERM);
  return image::verify_image_root(root->image_store, root->image, root->path);
}

Status seccomp_compile(const policy::SeccompFilter& params, RunContext& ctx) {
  std::string error;
  // Compiled once per distinct filter and kept in a root-only cache.
  auto filter = enforcer::compile_filter_cached(params, error);
  if (!filter) return Status::failure(error, EINVAL);
  ctx.filter = std::move(*filter);
  return {};
}

Status apparmor_check(const policy::AppArmorParams& params, RunContext& ctx) {
    Status st = enforcer::apparmor_prepare(params);
  if (st) return st;
  if (st.err == EOPNOTSUPP) return missing_feature(ctx, policy::StepKind::ApparmorCheck, params.optional, st, policy::StepKind::ApparmorExecLabel);
  return st;
}

Status selinux_check(const policy::SELinuxParams& params, RunContext& ctx) {
    Status st = enforcer::selinux_prepare(params);
  if (st) return st;
  if (st.err == EOPNOTSUPP) return missing_feature(ctx, policy::StepKind::SelinuxCheck, params.optional, st, policy::StepKind::SelinuxExecLabel);
  return st;
}

Status landlock_check(const policy::LandlockParams& params, RunContext& ctx) {
    if (enforcer::landlock_abi() > 0) return {};
  return missing_feature(ctx, policy::StepKind::LandlockCheck, params.optional,
                         Status::failure("Landlock is not available on this kernel", EOPNOTSUPP),
                         policy::StepKind::LandlockRestrict);
}

Status suid_scan(const policy::SuidParams& params, RunContext& ctx) {
  const auto* root = ctx.plan.params<policy::StepKind::MountRootfs>();
  // On the host's root mounted nosuid (the plan's mount.rootfs says so)
  // there is nothing to walk: mount.sources gives every host tree nosuid,
  // recursively, so exec ignores the bits; the files' owners are host ids
  // the sandbox's user namespace does not map, which exec ignores too; and
  // whatever could lift nosuid (CAP_SYS_ADMIN over the sandbox's mounts)
  // could as well unmount a stripped copy. Walking /usr and /etc here cost
  // most of a strict start (docs/plan.md, suid.scan).
  if (root != nullptr && root->host_root && root->nosuid) return {};
  // Otherwise, on the host's root only the directories the sandbox will see
  // are walked: the rest of the host is not in the sandbox to strip.
  std::vector<std::string> roots;
  if (ctx.options.rootfs.empty()) {
    if (root != nullptr)
      for (const auto& dir : root->host_paths) {
        struct stat st {};
        if (lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) roots.push_back(dir);
      }
  } else {
    roots.push_back(ctx.options.rootfs);
  }
  for (const auto& root : roots) {
    // The same walk as `ringfence harden`: no symlink followed, no mount
    // point entered; keep entries name files (hard links of a kept file are
    // kept).
    const std::string prefix = ctx.options.rootfs.empty() ? root : "";
    enforcer::HardenOptions options;
    for (const auto& k : params.keep)
      if (prefix.empty()) options.keep.push_back(k);
      else if (k.rfind(prefix + "/", 0) == 0) options.keep.push_back(k.substr(prefix.size()));
    enforcer::HardenReport report;
    if (Status st = enforcer::harden_tree(root, options, report); !st)
      return Status::failure(fmt::format("scan {} for setuid files: {}", root, st.message), st.err);
    for (const auto& f : report.files)
      if (f.outcome != enforcer::SuidOutcome::kept) ctx.suid_files.push_back(prefix + f.file.path);
    if (ctx.warn && !report.problems.empty())
      ctx.warn(std::string(policy::step_name(policy::StepKind::SuidScan)), fmt::format("the setuid scan of {} is incomplete: {}", root, fmt::join(report.problems, "; ")));
  }
  if (params.mode == "report" && ctx.warn && !ctx.suid_files.empty())
    ctx.warn(std::string(policy::step_name(policy::StepKind::SuidScan)), fmt::format("{} setuid/setgid file(s) in the rootfs: {}", ctx.suid_files.size(),
                                    fmt::join(ctx.suid_files, " ")));
  return {};
}

Status userns_ids(RunContext& ctx) {
  auto block = reserve_id_block(ctx.state_dir);
  if (!block) return block.status();
  ctx.id_block = *block;
  return {};
}

Status mount_sources(RunContext& ctx) {
  const auto* root = ctx.plan.params<policy::StepKind::MountRootfs>();
  if (root == nullptr) return Status::failure("the plan has no mount.rootfs", EINVAL);
  return enforcer::open_mount_sources(*root, ctx.plan.params<policy::StepKind::MountVolumes>(), ctx.hide_paths,
                                     ctx.sources);
}

Status cgroup_create(const policy::CgroupParams& params, RunContext& ctx) {
  ctx.cgroup_layout = enforcer::detect_cgroup_layout();
  const std::string path =
      ctx.options.cgroup_path.empty() ? enforcer::cgroup_relative_path(ctx.options.name) : ctx.options.cgroup_path;
  auto cgroup = enforcer::create_cgroup(ctx.cgroup_layout, path, params);
  if (!cgroup) {
    const Status& st = cgroup.status();
    if (geteuid() == 0 || (st.err != EACCES && st.err != EPERM && st.err != EROFS)) return st;
    // Rootless, and the cgroup tree is root's: say what would work rather
    // than leave a bare "Permission denied" on a path under /sys.
    return Status::failure(
        fmt::format("{}. Limits (--memory, --cpus, --pids-limit, [resources]) need a cgroup, and ringfence makes its "
                    "cgroups under each hierarchy's root, which only root may write (a cgroup delegated to uid {} by "
                    "systemd is not used yet): run as root, or drop the limits",
                    st.message, geteuid()),
        st.err);
  }
  ctx.cgroup = std::move(*cgroup);
  return {};
}

Status devices_cgroup(const policy::DeviceCgroupParams& params, RunContext& ctx) {
  if (!ctx.cgroup) return Status::failure("no cgroup to put device rules in", ENOENT);
  return enforcer::apply_device_rules(*ctx.cgroup, params);
}

// A namespace file named by a bundle or an "ns:PATH" mode: it must be a
// namespace (nsfs), and of the kind it is joined as — a uts file given as
// a network namespace, or a plain file, is refused here rather than
// failing at setns in the intermediate with a bare EINVAL.
static Result<Fd> open_namespace_file(const std::string& path, int clone_flag, const std::string& kind) {
  Fd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return Status::from_errno(fmt::format("open the {} namespace {}", kind, path));
  struct statfs fs {};
  if (fstatfs(ns.get(), &fs) != 0) return Status::from_errno("statfs " + path);
  if (fs.f_type != NSFS_MAGIC)
    return Status::failure(fmt::format("{} is not a namespace file (a bind mount of /proc/PID/ns/{}, or that file)",
                                       path, kind),
                           EINVAL);
  const int type = ioctl(ns.get(), NS_GET_NSTYPE);
  if (type < 0) return Status::from_errno("NS_GET_NSTYPE " + path);
  if (type != clone_flag)
    return Status::failure(fmt::format("{} is a namespace of another kind, not a {} namespace", path, kind), EINVAL);
  return ns;
}

// Opens the namespaces to join; the launcher core's intermediate process
// enters them (ringfence itself never does).
Status namespaces_join(const policy::JoinParams& params, RunContext& ctx) {
  for (const auto& join : params.joins) {
    const auto* kind = policy::namespace_kind(join.kind);
    if (!kind) return Status::failure(fmt::format("unknown namespace '{}'", join.kind), EINVAL);
    if (!join.path.empty()) {
      auto ns = open_namespace_file(join.path, static_cast<int>(kind->clone_flag), join.kind);
      if (!ns) return ns.status();
      ctx.joins.emplace_back(std::move(*ns), static_cast<int>(kind->clone_flag));
      continue;
    }
    auto target = read_state(ctx.options.state_root, join.container);
    if (!target) return target.status();
    if (!same_process(target->pid, target->pid_start_time))
      return Status::failure(fmt::format("sandbox '{}' is not running", join.container), ESRCH);
    const std::string path = fmt::format("/proc/{}/ns/{}", target->pid, join.kind);
    Fd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) return Status::from_errno("open " + path);
    // The pid start time was checked before the open: recheck after, so the
    // namespace is the sandbox's and not a recycled pid's.
    if (!same_process(target->pid, target->pid_start_time))
      return Status::failure(fmt::format("sandbox '{}' exited", join.container), ESRCH);
    ctx.joins.emplace_back(std::move(ns), static_cast<int>(kind->clone_flag));
  }
  return {};
}

Status userns_maps(const policy::UserNsParams& params, RunContext& ctx) {
  return write_id_maps(ctx.child, params, ctx.id_block);
}

Status cgroup_attach(RunContext& ctx) {
  if (!ctx.cgroup) return Status::failure("no cgroup was created", ENOENT);
  if (ctx.born_in_cgroup) return {};      // clone3 put it there (CLONE_INTO_CGROUP)
  if (ctx.child_moves_itself) return {};  // it reports a failure itself
  return enforcer::attach_to_cgroup(*ctx.cgroup, ctx.child);
}

Status process_rlimits(const policy::RlimitsParams& params, RunContext& ctx) {
  return enforcer::apply_rlimits(ctx.child, params);
}

Status oom_score_adj(const policy::OomScoreParams& params, RunContext& ctx) {
  return enforcer::apply_oom_score(ctx.child, params);
}

}  // namespace ringfence::runtime::handlers
