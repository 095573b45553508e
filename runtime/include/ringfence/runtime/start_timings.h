// `ringfence run --timings`: where a sandbox's time goes, stretch by
// stretch, from ringfence's own start to the program's exit and the
// cleanup after it — the plan's steps as they run, on the parent's side and
// on the child's, and what lies between them (the clone, the exec, the
// program). Measured by the start itself, not by a patched build, so that
// `bench/startup.sh` can show it next to the other runtimes' totals.
//
// One clock: CLOCK_MONOTONIC (steady_clock). The child's steps run before
// its exec, while it is still in ringfence's time namespace (a new time
// namespace is entered only at the exec), so its times and the parent's
// share an origin.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ringfence/policy/plan.h"

namespace ringfence::runtime {

class StartTimings {
 public:
  using Clock = std::chrono::steady_clock;

  explicit StartTimings(Clock::time_point origin = Clock::now()) : origin_(origin) {}

  // Now, when `timings` measures; else nothing is read. The start path of
  // every sandbox notes its stretches through this: without --timings it
  // costs a null test, not a clock read.
  static Clock::time_point mark(const StartTimings* timings) { return timings ? Clock::now() : Clock::time_point{}; }

  struct Stretch {
    std::string what;   // a step's name, or a stretch between steps ("clone")
    std::string where;  // who spent it: cli, parent, child, sandbox
    Clock::duration at;  // from the origin to its start
    Clock::duration took;
  };

  // A stretch that began at `start` and ends now.
  void add(std::string what, std::string where, Clock::time_point start);
  void add(std::string what, std::string where, Clock::time_point start, Clock::time_point end);
  const std::vector<Stretch>& stretches() const { return stretches_; }
  Clock::time_point origin() const { return origin_; }

  // The child's steps, in the one sync message that carries them (its
  // text field is 512 bytes): "INDEX:AT_US:TOOK_US;" per step, INDEX the
  // step's position in the plan. Steps that do not fit are dropped from the
  // end; the table then says so.
  static std::string encode_child(const std::vector<std::pair<std::size_t, Stretch>>& steps, std::size_t limit);
  // Adds what encode_child wrote, named from `plan`. False when the text is
  // not what encode_child writes.
  bool add_child(const std::string& text, const policy::Plan& plan);

  // The table printed on stderr: one line per stretch, in the order they
  // began, and the total.
  std::string table() const;

 private:
  Clock::time_point origin_;
  std::vector<Stretch> stretches_;
  bool child_truncated_ = false;
};

}  // namespace ringfence::runtime
