#include "context.h"

#include <charconv>

#include <fmt/core.h>
#include <fmt/format.h>

#include "ringfence/policy/names.h"

namespace ringfence::lint {
namespace {

std::optional<std::uint32_t> numeric(const std::string& text) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// "root", "0" and numbers are known without the rootfs; other names are not.
std::optional<std::uint32_t> id_of(const std::string& text) {
  if (text == "root") return 0;
  return numeric(text);
}

}  // namespace

Context::Context(const policy::Compiled& c, const LintOptions& o)
    : compiled(c), profile(c.profile), plan(*c.plan), options(o) {
  subject.file = c.layers.empty() ? "" : c.layers.back().file;
  if (const auto* caps = plan.params<policy::StepKind::CapsBounding>()) {
    bounding = caps->bounding;
    ambient = caps->ambient;
  }
  for (const auto& add : profile.capabilities.add.items) {
    if (add.value == "ALL" || add.value == "all") {
      added_at_.fill(add.loc);
    } else if (const auto n = policy::capability_from_name(add.value); n && *n >= 0 && *n < 64) {
      added_at_[*n] = add.loc;
    }
  }
  const auto* id = plan.params<policy::StepKind::UserIds>();
  const std::string user = id ? id->user : "0";
  uid = id_of(user);
  if (id && !id->group.empty()) {
    gid = id_of(id->group);
  } else if (uid && *uid == 0) {
    gid = 0;  // root's primary group
  }
  if (const auto* ns = plan.params<policy::StepKind::NamespacesCreate>()) userns = ns->user;
  if (const auto* maps = plan.params<policy::StepKind::UsernsMaps>()) {
    userns = true;
    if (maps->automatic || maps->rootless) {
      root_unprivileged_outside = true;
    } else {
      root_unprivileged_outside = true;
      for (const auto& m : maps->uid_map)
        if (m.inside == 0 && m.outside == 0) root_unprivileged_outside = false;
    }
  }
}

policy::SourceLocation Context::at(std::initializer_list<policy::SourceLocation> candidates) const {
  for (const auto& c : candidates)
    if (c.known()) return c;
  return subject;
}

policy::SourceLocation Context::cap_added_at(int cap) const {
  if (cap >= 0 && cap < 64 && added_at_[cap].known()) return added_at_[cap];
  return at({profile.profile.privileged.origin});
}

void Findings::fail(const policy::SourceLocation& where, std::string message) {
  audit::Finding f;
  f.control = control_;
  f.outcome = audit::Outcome::Fail;
  f.message = std::move(message);
  f.where = where;
  out_.push_back(std::move(f));
  ++count_;
}

std::string cap_list(std::uint64_t mask) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap)
    if ((mask >> cap) & 1) names.push_back(policy::capability_name(cap));
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace ringfence::lint
