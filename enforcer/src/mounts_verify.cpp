// mount.*: per-mount flags from the process's mountinfo. It is the
// per-mount flag that counts (a read-only bind of a read-write superblock
// is read-only), and mount points are as the process sees them, in its root.
#include <algorithm>

#include <fmt/ranges.h>

#include "ringfence/base/paths.h"
#include "verify_support.h"

namespace ringfence::enforcer {

using detail::verdict;

namespace {

// The mount at exactly `target`, the last one (the top of the stack).
const MountInfo* mount_at(const std::vector<MountInfo>& mounts, const std::string& target) {
  const MountInfo* found = nullptr;
  for (const auto& m : mounts)
    if (m.mount_point == target) found = &m;
  return found;
}

std::string flags_of(const MountInfo& m) { return fmt::format("{} {} ({})", m.mount_point, m.options, m.fstype); }

Verdict no_mountinfo(policy::StepKind step, const std::string& aspect, const std::string& expected) {
  return verdict(step, aspect, Holds::Unknown, "/proc/PID/mountinfo unreadable", expected);
}

}  // namespace

const MountInfo* mount_holding(const std::vector<MountInfo>& mounts, const std::string& path) {
  // The innermost mount point wins; among equals, the last mounted (on top).
  const MountInfo* best = nullptr;
  for (const auto& m : mounts)
    if (path_within(path, m.mount_point) && (!best || m.mount_point.size() >= best->mount_point.size())) best = &m;
  return best;
}

std::vector<Verdict> verify_readonly_root(const ProcessFacts& facts) {
  if (!facts.mounts) return {no_mountinfo(policy::StepKind::MountReadonlyRoot, "/ ro", "ro")};
  const MountInfo* root = mount_at(*facts.mounts, "/");
  if (!root) return {verdict(policy::StepKind::MountReadonlyRoot, "/ ro", Holds::No, "no mount at /", "ro")};
  return {verdict(policy::StepKind::MountReadonlyRoot, "/ ro", root->has_option("ro") ? Holds::Yes : Holds::No, flags_of(*root), "ro")};
}

std::vector<Verdict> verify_masked_paths(const policy::PathsParams& params, const ProcessFacts& facts) {
  std::vector<Verdict> out;
  const std::string expected = "absent, /dev/null or an empty read-only tmpfs";
  for (const auto& path : params.paths) {
    const std::string aspect = "masked " + path;
    const auto exists = facts.path_exists.find(path);
    if (!facts.mounts || exists == facts.path_exists.end()) {
      out.push_back(verdict(policy::StepKind::MountMaskedPaths, aspect, Holds::Unknown, "could not be looked at", expected));
      continue;
    }
    if (!exists->second) {
      out.push_back(verdict(policy::StepKind::MountMaskedPaths, aspect, Holds::Yes, "absent", expected));
      continue;
    }
    const MountInfo* m = mount_at(*facts.mounts, path);
    const bool masked = m && ((m->fstype == "tmpfs" && m->has_option("ro")) ||
                              (m->root.size() >= 5 && m->root.compare(m->root.size() - 5, 5, "/null") == 0));
    out.push_back(verdict(policy::StepKind::MountMaskedPaths, aspect, masked ? Holds::Yes : Holds::No,
                          m ? fmt::format("{} root {}", flags_of(*m), m->root) : "visible, nothing mounted over it",
                          expected));
  }
  return out;
}

std::vector<Verdict> verify_readonly_paths(const policy::PathsParams& params, const ProcessFacts& facts) {
  std::vector<Verdict> out;
  for (const auto& path : params.paths) {
    const std::string aspect = "read-only " + path;
    const auto exists = facts.path_exists.find(path);
    if (!facts.mounts || exists == facts.path_exists.end()) {
      out.push_back(verdict(policy::StepKind::MountReadonlyPaths, aspect, Holds::Unknown, "could not be looked at", "ro"));
      continue;
    }
    if (!exists->second) {
      out.push_back(verdict(policy::StepKind::MountReadonlyPaths, aspect, Holds::Yes, "absent", "ro"));
      continue;
    }
    const MountInfo* m = mount_holding(*facts.mounts, path);
    out.push_back(verdict(policy::StepKind::MountReadonlyPaths, aspect, m && m->has_option("ro") ? Holds::Yes : Holds::No,
                          m ? flags_of(*m) : "no mount holds it", "ro"));
  }
  return out;
}

std::vector<Verdict> verify_mount_entries(policy::StepKind step, const policy::MountsParams& params,
                                          const ProcessFacts& facts) {
  std::vector<Verdict> out;
  for (const auto& e : params.mounts) {
    std::vector<std::string> want;
    if (e.readonly) want.push_back("ro");
    if (e.nosuid) want.push_back("nosuid");
    if (e.nodev) want.push_back("nodev");
    if (e.noexec) want.push_back("noexec");
    std::string expected = want.empty() ? "rw" : fmt::format("{}", fmt::join(want, ","));
    if (!e.readonly) expected = "rw," + expected;
    const std::string aspect = "mount " + e.target;
    if (!facts.mounts) {
      out.push_back(no_mountinfo(step, aspect, expected));
      continue;
    }
    const MountInfo* m = mount_at(*facts.mounts, e.target);
    if (!m) {
      out.push_back(verdict(step, aspect, Holds::No, "nothing mounted there", expected));
      continue;
    }
    bool ok = m->has_option("ro") == e.readonly;
    for (const auto& f : want) ok = ok && m->has_option(f);
    out.push_back(verdict(step, aspect, ok ? Holds::Yes : Holds::No, flags_of(*m), expected));
  }
  return out;
}

std::vector<Verdict> verify_proc_mount(const policy::ProcParams& params, const ProcessFacts& facts) {
  std::vector<std::string> want;
  if (params.nosuid) want.push_back("nosuid");
  if (params.nodev) want.push_back("nodev");
  if (params.noexec) want.push_back("noexec");
  const std::string expected = fmt::format("{}", fmt::join(want, ","));
  if (!facts.mounts) return {no_mountinfo(policy::StepKind::MountProc, "/proc", expected)};
  const MountInfo* m = mount_at(*facts.mounts, "/proc");
  if (!m || m->fstype != "proc") return {verdict(policy::StepKind::MountProc, "/proc", Holds::No, "no procfs at /proc", expected)};
  bool ok = true;
  for (const auto& f : want) ok = ok && m->has_option(f);
  return {verdict(policy::StepKind::MountProc, "/proc", ok ? Holds::Yes : Holds::No, flags_of(*m), expected)};
}

std::vector<Verdict> verify_sys_mount(const policy::SysParams& params, const ProcessFacts& facts) {
  if (!facts.mounts) return {no_mountinfo(policy::StepKind::MountSys, "/sys", params.readonly ? "ro" : "rw")};
  const MountInfo* m = mount_at(*facts.mounts, "/sys");
  if (!m) return {verdict(policy::StepKind::MountSys, "/sys", Holds::No, "nothing mounted at /sys", params.readonly ? "ro" : "rw")};
  const bool ok = !params.readonly || m->has_option("ro");
  return {verdict(policy::StepKind::MountSys, "/sys", ok ? Holds::Yes : Holds::No, flags_of(*m), params.readonly ? "ro" : "rw")};
}

std::vector<Verdict> verify_propagation(const policy::PropagationParams& params, const ProcessFacts& facts) {
  const std::string expected = params.mode + ": no shared mount";
  if (!facts.mounts) return {no_mountinfo(policy::StepKind::MountPropagation, "propagation", expected)};
  if (params.mode != "rprivate" && params.mode != "private")
    return {verdict(policy::StepKind::MountPropagation, "propagation", Holds::Unknown, "mode not judged", params.mode)};
  for (const auto& m : *facts.mounts)
    for (const auto& f : m.optional)
      if (f.rfind("shared:", 0) == 0)
        return {verdict(policy::StepKind::MountPropagation, "propagation", Holds::No, fmt::format("{} {}", m.mount_point, f), expected)};
  return {verdict(policy::StepKind::MountPropagation, "propagation", Holds::Yes,
                  fmt::format("no shared mount among {}", facts.mounts->size()), expected)};
}

}  // namespace ringfence::enforcer
