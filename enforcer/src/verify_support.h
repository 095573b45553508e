// Shared by the verify_* files: judging a per-thread fact on every thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "ringfence/enforcer/verify.h"

namespace ringfence::enforcer::detail {

inline std::string hex16(std::uint64_t v) { return fmt::format("{:016x}", v); }

inline Verdict verdict(policy::StepKind step, std::string aspect, Holds holds, std::string observed, std::string expected) {
  return {step, std::move(aspect), holds, std::move(observed), std::move(expected)};
}

// Every thread must show `expected`: the first thread that differs makes it
// fail (named by tid); a thread whose value cannot be read makes it
// unknown, unless another thread already failed.
template <class T, class Get, class Show>
Verdict every_thread(policy::StepKind step, const std::string& aspect, const ProcessFacts& facts, const T& expected,
                     Get get, Show show) {
  std::optional<pid_t> unreadable;
  for (const auto& t : facts.threads) {
    const std::optional<T> v = get(t);
    if (!v) {
      if (!unreadable) unreadable = t.tid;
      continue;
    }
    if (!(*v == expected))
      return verdict(step, aspect, Holds::No, fmt::format("{}={} on tid {}", aspect, show(*v), t.tid), show(expected));
  }
  if (facts.threads.empty()) return verdict(step, aspect, Holds::Unknown, "no thread could be read", show(expected));
  if (unreadable)
    return verdict(step, aspect, Holds::Unknown, fmt::format("{} not exposed for tid {}", aspect, *unreadable),
                   show(expected));
  return verdict(step, aspect, Holds::Yes,
                 fmt::format("{}={} on {} thread{}", aspect, show(expected), facts.threads.size(),
                             facts.threads.size() == 1 ? "" : "s"),
                 show(expected));
}

}  // namespace ringfence::enforcer::detail
