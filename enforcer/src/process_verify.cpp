// process.no-new-privileges, process.rlimits, process.oom-score-adj and
// user.ids read off a live process.
#include <charconv>

#include "verify_support.h"

namespace ringfence::enforcer {

using detail::verdict;

std::vector<Verdict> verify_no_new_privs(const ProcessFacts& facts) {
  return {detail::every_thread(policy::StepKind::ProcessNoNewPrivileges, "NoNewPrivs", facts, 1,
                               [](const ThreadFacts& t) { return t.no_new_privs; },
                               [](int v) { return std::to_string(v); })};
}

namespace {

std::string limit_text(std::uint64_t v) { return v == ~std::uint64_t{0} ? "unlimited" : std::to_string(v); }

}  // namespace

std::vector<Verdict> verify_rlimits(const policy::RlimitsParams& params, const ProcessFacts& facts) {
  std::vector<Verdict> out;
  for (const auto& l : params.limits) {
    const std::string aspect = "rlimit " + l.name;
    const std::string expected = fmt::format("{}:{}", limit_text(l.soft), limit_text(l.hard));
    const std::string row = limits_row(l.resource);
    if (!facts.limits || row.empty() || !facts.limits->count(row)) {
      out.push_back(verdict(policy::StepKind::ProcessRlimits, aspect, Holds::Unknown, "/proc/PID/limits has no such row", expected));
      continue;
    }
    const RlimitValue v = facts.limits->at(row);
    const std::string observed = fmt::format("{}:{}", limit_text(v.soft), limit_text(v.hard));
    out.push_back(verdict(policy::StepKind::ProcessRlimits, aspect, v.soft == l.soft && v.hard == l.hard ? Holds::Yes : Holds::No,
                          fmt::format("{} {}", row, observed), expected));
  }
  return out;
}

std::vector<Verdict> verify_oom_score(const policy::OomScoreParams& params, const ProcessFacts& facts) {
  const std::string expected = std::to_string(params.adj);
  if (!facts.oom_score_adj) return {verdict(policy::StepKind::ProcessOomScoreAdj, "oom_score_adj", Holds::Unknown, "unreadable", expected)};
  return {verdict(policy::StepKind::ProcessOomScoreAdj, "oom_score_adj", *facts.oom_score_adj == params.adj ? Holds::Yes : Holds::No,
                  std::to_string(*facts.oom_score_adj), expected)};
}

std::vector<Verdict> verify_user_ids(const policy::IdentityParams& params, const ProcessFacts& facts) {
  std::vector<Verdict> out;
  // Names are resolved in the rootfs at start; only numbers can be compared
  // without reading the sandbox's passwd file.
  auto numeric = [](const std::string& s) -> std::optional<std::uint32_t> {
    std::uint32_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  auto judge = [&](const char* aspect, const std::string& wanted,
                   const std::optional<std::vector<policy::IdMapping>>& map,
                   std::optional<std::array<std::uint32_t, 4>> ThreadFacts::*field) {
    const auto id = numeric(wanted);
    if (!id) {
      out.push_back(verdict(policy::StepKind::UserIds, aspect, Holds::Unknown, "the profile names it, resolved only inside the rootfs", wanted));
      return;
    }
    std::array<std::uint32_t, 4> want{*id, *id, *id, *id};
    out.push_back(detail::every_thread(
        policy::StepKind::UserIds, aspect, facts, want,
        [&](const ThreadFacts& t) -> std::optional<std::array<std::uint32_t, 4>> {
          if (!(t.*field) || !map) return std::nullopt;
          std::array<std::uint32_t, 4> inside{};
          for (std::size_t i = 0; i < 4; ++i) {
            const auto v = map_to_inside(*map, (*(t.*field))[i]);
            if (!v) return std::nullopt;
            inside[i] = *v;
          }
          return inside;
        },
        [](const std::array<std::uint32_t, 4>& a) { return fmt::format("{} {} {} {}", a[0], a[1], a[2], a[3]); }));
  };
  judge("Uid", params.user.empty() ? "0" : params.user, facts.uid_map, &ThreadFacts::uids);
  if (!params.group.empty()) judge("Gid", params.group, facts.gid_map, &ThreadFacts::gids);
  return out;
}

}  // namespace ringfence::enforcer
