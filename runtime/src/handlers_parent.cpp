// Steps the parent carries out: before the clone (compile, check, create)
// and after it, while the child waits (maps, cgroup, limits).
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "handlers.h"
#include "userns.h"
#include "ringfence/enforcer/fd.h"
#include "ringfence/enforcer/landlock.h"
#include "ringfence/enforcer/lsm.h"
#include "ringfence/enforcer/process.h"
#include "ringfence/enforcer/seccomp_cache.h"
#include "ringfence/enforcer/suid_harden.h"
#include "ringfence/runtime/state.h"
#include "ringfence/runtime/subids.h"
#include "ringfence/enforcer/mount_sources.h"

namespace ringfence::runtime::handlers {
namespace {

using enforcer::Fd;

// An optional feature the kernel lacks: a warning and the paired child step
// skipped; otherwise the step fails.
Status missing_feature(RunContext& ctx, const Step& step, bool optional, const Status& why,
                       const char* child_step) {
  if (!optional) return Status::failure(why.message + "; the profile requires it (set optional = true to run without it)",
                                        why.err);
  ctx.skipped.insert(child_step);
  if (ctx.warn) ctx.warn(step.name, why.message + "; optional, so the sandbox runs without it");
  return {};
}

}  // namespace

Status image_verify(const Step& step, RunContext&) {
  return Status::failure(fmt::format("pinned image digests ({}) cannot be verified by this version of ringfence",
                                     step.get<policy::ImageParams>().digest),
                         ENOTSUP);
}

Status seccomp_compile(const Step& step, RunContext& ctx) {
  std::string error;
  // Compiled once per distinct filter and kept in a root-only cache.
  auto filter = enforcer::compile_filter_cached(step.get<policy::SeccompFilter>(), error);
  if (!filter) return Status::failure(error, EINVAL);
  ctx.filter = std::move(*filter);
  return {};
}

Status apparmor_check(const Step& step, RunContext& ctx) {
  const auto& p = step.get<policy::AppArmorParams>();
  Status st = enforcer::apparmor_prepare(p);
  if (st) return st;
  if (st.err == EOPNOTSUPP) return missing_feature(ctx, step, p.optional, st, "apparmor.exec-label");
  return st;
}

Status selinux_check(const Step& step, RunContext& ctx) {
  const auto& p = step.get<policy::SELinuxParams>();
  Status st = enforcer::selinux_prepare(p);
  if (st) return st;
  if (st.err == EOPNOTSUPP) return missing_feature(ctx, step, p.optional, st, "selinux.exec-label");
  return st;
}

Status landlock_check(const Step& step, RunContext& ctx) {
  const auto& p = step.get<policy::LandlockParams>();
  if (enforcer::landlock_abi() > 0) return {};
  return missing_feature(ctx, step, p.optional, Status::failure("Landlock is not available on this kernel", EOPNOTSUPP),
                         "landlock.restrict");
}

Status suid_scan(const Step& step, RunContext& ctx) {
  const auto& p = step.get<policy::SuidParams>();
  // On the host's root only the directories the sandbox will see are
  // walked: the rest of the host is not in the sandbox to strip.
  std::vector<std::string> roots;
  if (ctx.options.rootfs.empty()) {
    if (const auto* root = ctx.plan.find("mount.rootfs"))
      for (const auto& dir : root->get<policy::RootfsParams>().host_paths) {
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
    for (const auto& k : p.keep)
      if (prefix.empty()) options.keep.push_back(k);
      else if (k.rfind(prefix + "/", 0) == 0) options.keep.push_back(k.substr(prefix.size()));
    enforcer::HardenReport report;
    if (Status st = enforcer::harden_tree(root, options, report); !st)
      return Status::failure(fmt::format("scan {} for setuid files: {}", root, st.message), st.err);
    for (const auto& f : report.files)
      if (f.outcome != enforcer::SuidOutcome::kept) ctx.suid_files.push_back(prefix + f.file.path);
    if (ctx.warn && !report.problems.empty())
      ctx.warn(step.name, fmt::format("the setuid scan of {} is incomplete: {}", root, fmt::join(report.problems, "; ")));
  }
  if (p.mode == "report" && ctx.warn && !ctx.suid_files.empty())
    ctx.warn(step.name, fmt::format("{} setuid/setgid file(s) in the rootfs: {}", ctx.suid_files.size(),
                                    fmt::join(ctx.suid_files, " ")));
  return {};
}

Status userns_ids(const Step&, RunContext& ctx) {
  Status st;
  ctx.id_block = reserve_id_block(ctx.state_dir, st);
  return st;
}

Status mount_sources(const Step&, RunContext& ctx) {
  const auto* root = ctx.plan.find("mount.rootfs");
  if (root == nullptr) return Status::failure("the plan has no mount.rootfs", EINVAL);
  const auto* volumes = ctx.plan.find("mount.volumes");
  return enforcer::open_mount_sources(root->get<policy::RootfsParams>(),
                                      volumes ? &volumes->get<policy::MountsParams>() : nullptr, ctx.sources);
}

Status cgroup_create(const Step& step, RunContext& ctx) {
  ctx.cgroup_layout = enforcer::detect_cgroup_layout();
  Status st;
  ctx.cgroup = enforcer::create_cgroup(ctx.cgroup_layout, ctx.options.name, step.get<policy::CgroupParams>(), st);
  return st;
}

Status devices_cgroup(const Step& step, RunContext& ctx) {
  if (!ctx.cgroup) return Status::failure("no cgroup to put device rules in", ENOENT);
  return enforcer::apply_device_rules(*ctx.cgroup, step.get<policy::DeviceCgroupParams>());
}

Status namespaces_join(const Step& step, RunContext& ctx) {
  for (const auto& join : step.get<policy::JoinParams>().joins) {
    Status st;
    auto target = read_state(ctx.options.state_root, join.container, st);
    if (!target) return st;
    if (!same_process(target->pid, target->pid_start_time))
      return Status::failure(fmt::format("sandbox '{}' is not running", join.container), ESRCH);
    const std::string path = fmt::format("/proc/{}/ns/{}", target->pid, join.kind);
    Fd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) return Status::from_errno("open " + path);
    // The pid start time was checked before the open: recheck after, so the
    // namespace is the sandbox's and not a recycled pid's.
    if (!same_process(target->pid, target->pid_start_time))
      return Status::failure(fmt::format("sandbox '{}' exited", join.container), ESRCH);
    const int type = join.kind == "ipc" ? CLONE_NEWIPC : join.kind == "net" ? CLONE_NEWNET : CLONE_NEWPID;
    if (setns(ns.get(), type) != 0) return Status::from_errno(fmt::format("join {} of '{}'", join.kind, join.container));
  }
  return {};
}

Status userns_maps(const Step& step, RunContext& ctx) {
  return write_id_maps(ctx.child, step.get<policy::UserNsParams>(), ctx.id_block);
}

Status cgroup_attach(const Step&, RunContext& ctx) {
  if (!ctx.cgroup) return Status::failure("no cgroup was created", ENOENT);
  return enforcer::attach_to_cgroup(*ctx.cgroup, ctx.child);
}

Status process_rlimits(const Step& step, RunContext& ctx) {
  return enforcer::apply_rlimits(ctx.child, step.get<policy::RlimitsParams>());
}

Status oom_score_adj(const Step& step, RunContext& ctx) {
  return enforcer::apply_oom_score(ctx.child, step.get<policy::OomScoreParams>());
}

}  // namespace ringfence::runtime::handlers
