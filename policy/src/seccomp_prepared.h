// Seccomp rules with everything that does not depend on the profile being
// compiled worked out once: syscall ids instead of names, capability masks
// instead of capability names, the architecture test against this host, the
// minimum kernel as numbers, the action and the conditions as the filter
// will test them. The built-in base is prepared once per process and shared
// by every compile (it was copied, names and all, into each one); a profile's
// own rules and a base read from a file are prepared per compile. Internal
// to the policy module.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/diagnostic.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/seccomp_base.h"
#include "syscall_table.h"

namespace ringfence::policy {

struct PreparedRule {
  const SeccompRuleEntry* entry = nullptr;
  std::vector<SyscallId> ids;  // one per entry->syscalls.value item
  SeccompAction action;
  std::vector<SeccompCondition> conditions;

  // Is the rule part of a filter for capability set `caps` on a kernel of
  // version `kernel`? Docker's semantics: every `caps` entry must be in the
  // set, no `not_caps` entry may be; `arches` are compared with the native
  // architecture only.
  bool included(std::uint64_t caps, const std::vector<int>& kernel) const;

  std::uint64_t caps_needed = 0;
  bool caps_unknown = false;  // a `caps` entry names no capability: never included
  std::uint64_t caps_excluded = 0;
  bool arch_excluded = false;
  std::optional<std::vector<int>> min_kernel;
};

PreparedRule prepare_rule(const SeccompRuleEntry& entry);

// A base with its rules prepared; `rules[i].entry` points into `base.rules`.
struct PreparedBase {
  SeccompBase base;
  std::vector<PreparedRule> rules;
};

// load_seccomp_base, prepared: the built-in "default" is the same object
// for every compile of the process.
std::shared_ptr<const PreparedBase> load_prepared_base(const std::string& ref, const SourceLocation& from,
                                                       Diagnostics& diags);

// "6.1.0-13-amd64" -> {6, 1, 0}: the first three numbers, missing ones 0.
std::vector<int> version_numbers(const std::string& release);
// The running kernel's version, read once per process.
const std::vector<int>& running_kernel_version();

}  // namespace ringfence::policy
