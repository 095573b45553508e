#include "site_floor.h"

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

}  // namespace ringfence::cli
