// What every lint rule reads: the compiled profile and facts derived from
// its plan once (the capability sets, who the program runs as, whether its
// root is the host's root), plus the Findings sink a rule writes to.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ringfence/audit/findings.h"
#include "ringfence/lint/lint.h"
#include "ringfence/policy/plan.h"

namespace ringfence::lint {

struct Context {
  const policy::Compiled& compiled;
  const policy::Profile& profile;
  const policy::Plan& plan;
  const LintOptions& options;
  // Where a finding about a setting nobody wrote points: the profile file
  // itself, no line.
  policy::SourceLocation subject;

  // ---- derived from the plan --------------------------------------------------
  std::uint64_t bounding = 0, ambient = 0;
  std::optional<std::uint32_t> uid;  // the program's uid inside; nullopt: a name resolved at run time
  std::optional<std::uint32_t> gid;
  bool userns = false;
  // A user namespace whose uid 0 is not uid 0 outside (automatic maps
  // always pick an unprivileged range).
  bool root_unprivileged_outside = false;

  Context(const policy::Compiled& c, const LintOptions& o);

  bool has_cap(int cap) const { return (bounding >> cap) & 1; }

  // The first known of the locations, else the profile file.
  policy::SourceLocation at(std::initializer_list<policy::SourceLocation> candidates) const;
  // Where capability `cap` was added ([capabilities] add, or `privileged`).
  policy::SourceLocation cap_added_at(int cap) const;

 private:
  // The last `add` entry naming each capability (or ALL), read once: rules
  // ask for many capabilities, and name lookups are not free.
  std::array<policy::SourceLocation, 64> added_at_{};
};

// A rule's output: failures it found. A rule that adds none passes.
class Findings {
 public:
  explicit Findings(std::vector<audit::Finding>& out, std::string control) : out_(out), control_(std::move(control)) {}
  void fail(const policy::SourceLocation& where, std::string message);
  bool any() const { return count_ > 0; }

 private:
  std::vector<audit::Finding>& out_;
  std::string control_;
  int count_ = 0;
};

struct Rule {
  const char* id;  // the control in audit/controls.toml
  void (*check)(const Context&, Findings&);
};

// One table per area, each in its own file.
std::span<const Rule> privilege_rules();
std::span<const Rule> capability_rules();
std::span<const Rule> namespace_rules();
std::span<const Rule> filesystem_rules();
std::span<const Rule> seccomp_rules();
std::span<const Rule> confinement_rules();
std::span<const Rule> resource_rules();

// "CAP_SYS_ADMIN, CAP_NET_ADMIN" for the bits of `mask`.
std::string cap_list(std::uint64_t mask);

}  // namespace ringfence::lint
