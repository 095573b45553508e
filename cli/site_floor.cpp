#include "site_floor.h"

#include <unistd.h>

#include <cstdio>

#include "ringfence/policy/oci_config.h"

namespace ringfence::cli {

Result<std::optional<policy::SitePolicy>> load_floor(const std::string& flag) {
  policy::Diagnostics diags;
  auto choice = policy::choose_site_policy(flag, diags);
  if (!choice.ok) return Status::failure("the site policy cannot be used:\n" + diags.format());
  return std::move(choice.policy);
}

nlohmann::json floor_record(const policy::FloorDecision& d) {
  return {{"event", d.refused ? "floor.refuse" : "floor.clamp"},
          {"control", d.control},
          {"key", d.key},
          {"asked", d.asked},
          {"where", d.where},
          {"applied", d.applied},
          {"policy_key", d.policy_key},
          {"policy", d.policy_where},
          {"mode", policy::floor_mode_name(d.mode)}};
}

policy::Compiled compile_bundle(const std::string& dir, const std::string& site_policy, policy::CompileOptions options) {
  policy::Diagnostics diags;
  policy::Compiled c;
  auto floor = load_floor(site_policy);
  if (!floor) {
    std::fputs(floor.status().message.c_str(), stderr);
    return c;
  }
  if (auto bundle = policy::read_oci_bundle(dir, diags)) {
    if (options.rootfs.empty()) options.rootfs = bundle->root;
    options.rootless = geteuid() != 0;  // as create decides it
    std::vector<policy::FloorDecision> decisions;
    c = policy::compile_oci(*bundle, options, floor->has_value() ? &**floor : nullptr, decisions);
    for (const auto& d : decisions)
      if (!d.refused) diags.warning(d.asked_at, policy::clamp_message(d));
    diags.append(c.diags);
  }
  std::fputs(diags.format().c_str(), stderr);
  return c;
}

void add_floor_findings(audit::Report& report, const std::vector<policy::FloorDecision>& decisions) {
  bool refused = false, clamped = false;
  for (const auto& d : decisions) {
    audit::Finding f;
    f.control = d.refused ? "RF-SITE-001" : "RF-SITE-002";
    f.where = d.asked_at;
    f.message = d.refused ? policy::refusal_message(d) : policy::clamp_message(d);
    (d.refused ? refused : clamped) = true;
    report.findings.push_back(std::move(f));
  }
  for (auto [id, found] : {std::pair{"RF-SITE-001", refused}, std::pair{"RF-SITE-002", clamped}})
    if (!found) {
      // Built field by field: g++ 12 at -O3 takes the braced list's empty
      // SourceLocation for uninitialised (-Wmaybe-uninitialized).
      audit::Finding pass;
      pass.control = id;
      pass.outcome = audit::Outcome::Pass;
      report.findings.push_back(std::move(pass));
    }
}

}  // namespace ringfence::cli
