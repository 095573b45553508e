// verify_step: the step kinds that leave something to see on a live
// process, each to its verify function.
#include <functional>

#include "ringfence/enforcer/verify.h"

namespace ringfence::enforcer {
namespace {

using Fn = std::function<std::vector<Verdict>(const policy::Step&, const policy::Plan&, const ProcessFacts&)>;

template <class P, class F>
Fn with(F f) {
  return [f](const policy::Step& s, const policy::Plan&, const ProcessFacts& facts) { return f(s.get<P>(), facts); };
}

const std::vector<std::pair<std::string, Fn>>& table() {
  static const std::vector<std::pair<std::string, Fn>> t = {
      {"caps.bounding", verify_caps},
      {"caps.sets", verify_caps},
      {"caps.ambient", verify_caps},
      {"process.no-new-privileges",
       [](const policy::Step&, const policy::Plan&, const ProcessFacts& f) { return verify_no_new_privs(f); }},
      {"process.rlimits", with<policy::RlimitsParams>(verify_rlimits)},
      {"process.oom-score-adj", with<policy::OomScoreParams>(verify_oom_score)},
      {"seccomp.load", with<policy::SeccompFilter>(verify_seccomp)},
      {"namespaces.create",
       [](const policy::Step& s, const policy::Plan& p, const ProcessFacts& f) {
         return verify_namespaces(s.get<policy::NamespacesParams>(), p, f);
       }},
      {"userns.maps", with<policy::UserNsParams>(verify_userns_maps)},
      {"user.ids", with<policy::IdentityParams>(verify_user_ids)},
      {"mount.readonly-root",
       [](const policy::Step&, const policy::Plan&, const ProcessFacts& f) { return verify_readonly_root(f); }},
      {"mount.masked-paths", with<policy::PathsParams>(verify_masked_paths)},
      {"mount.readonly-paths", with<policy::PathsParams>(verify_readonly_paths)},
      {"mount.volumes",
       [](const policy::Step& s, const policy::Plan&, const ProcessFacts& f) {
         return verify_mount_entries(s.name, s.get<policy::MountsParams>(), f);
       }},
      {"mount.tmpfs",
       [](const policy::Step& s, const policy::Plan&, const ProcessFacts& f) {
         return verify_mount_entries(s.name, s.get<policy::MountsParams>(), f);
       }},
      {"mount.proc", with<policy::ProcParams>(verify_proc_mount)},
      {"mount.sys", with<policy::SysParams>(verify_sys_mount)},
      {"mount.propagation", with<policy::PropagationParams>(verify_propagation)},
      {"cgroup.create", with<policy::CgroupParams>(verify_cgroup_limits)},
      {"cgroup.attach",
       [](const policy::Step&, const policy::Plan&, const ProcessFacts& f) { return verify_cgroup_attach(f); }},
      {"devices.cgroup", with<policy::DeviceCgroupParams>(verify_device_rules)},
      {"apparmor.exec-label", with<policy::AppArmorParams>(verify_apparmor)},
      {"selinux.exec-label", with<policy::SELinuxParams>(verify_selinux)},
      {"landlock.restrict",
       [](const policy::Step&, const policy::Plan&, const ProcessFacts& f) { return verify_landlock(f); }},
  };
  return t;
}

}  // namespace

bool has_verify(const std::string& step_name) {
  for (const auto& [name, fn] : table())
    if (name == step_name) return true;
  return false;
}

std::vector<Verdict> verify_step(const policy::Step& step, const policy::Plan& plan, const ProcessFacts& facts) {
  for (const auto& [name, fn] : table())
    if (name == step.name) {
      try {
        return fn(step, plan, facts);
      } catch (const std::bad_variant_access&) {
        return {{step.name, "parameters", Holds::Unknown, "the step's parameters are not of its kind", ""}};
      }
    }
  return {};
}

std::vector<std::string> paths_to_probe(const policy::Plan& plan) {
  std::vector<std::string> out;
  for (const char* name : {"mount.masked-paths", "mount.readonly-paths"})
    if (const policy::Step* s = plan.find(name))
      for (const auto& p : s->get<policy::PathsParams>().paths) out.push_back(p);
  return out;
}

}  // namespace ringfence::enforcer
