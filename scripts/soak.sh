#!/bin/sh
# scripts/soak.sh [HOURS]: the long runs that do not fit CI's 40 minutes
# (docs/reliability.md). Repeats, until HOURS (default 1) have passed:
#   1. every libFuzzer target for FUZZ_SECONDS (default 600) on its growing
#      corpus in build-fuzz/corpus (scripts/fuzz.sh);
#   2. the stress test with STRESS_SANDBOXES (default 500) sandboxes, 20 at a
#      time, and KILL_ROUNDS (default 100) random supervisor kills in the
#      optimised build of scripts/test.sh (build-test-release), then the
#      same in the sanitizer build (build-test-asan), which also kills the
#      supervisor at each named moment (RINGFENCE_KILL_AT).
# Stops at the first failure: a fuzz crash's input is in build-fuzz/artifacts,
# the failing test's output above. Run scripts/test.sh once first (it builds
# both test builds and the test rootfs). Needs root, as the integration
# tests do.
set -eu
cd "$(dirname "$0")/.."
hours="${1:-1}"
fuzz_seconds="${FUZZ_SECONDS:-600}"
sandboxes="${STRESS_SANDBOXES:-500}"
kill_rounds="${KILL_ROUNDS:-100}"
export RINGFENCE_STRESS_SANDBOXES="$sandboxes" RINGFENCE_KILL_ROUNDS="$kill_rounds"
for dir in build-test-release build-test-asan; do
  if [ ! -d "$dir" ]; then
    echo "ringfence: $dir is missing: run scripts/test.sh first" >&2
    exit 1
  fi
done

deadline=$(($(date +%s) + hours * 3600))
round=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  round=$((round + 1))
  echo "== soak round $round: fuzzing, ${fuzz_seconds} s per target"
  scripts/fuzz.sh "$fuzz_seconds"
  for dir in build-test-release build-test-asan; do
    echo "== soak round $round: $dir: $sandboxes sandboxes, $kill_rounds supervisor kills"
    # The test binary itself, not ctest: ctest's 600 s limit per test is
    # CI's, and a soak run's stress test may take longer.
    "$dir/tests/integration" --gtest_filter='Stress.*:SupervisorKill*'
  done
done
echo "== soak: $round rounds in $hours h, nothing failed"
