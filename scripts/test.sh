#!/bin/sh
# README command 2: the whole test suite — an optimised build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build, each with its unit
# and integration tests, then a short fuzzing run of every parser. Integration
# tests need root; they say so and skip when run as another user. At the
# end (also after a failure) it prints how long each phase took, so that a
# phase that grows is seen before CI's 40 minutes run out.
#
# The optimised build is the plain one users get: fault injection
# (RINGFENCE_FAIL_STEP, docs/runtime.md) is off, so the binary tested is the
# binary shipped, and a test checks that it ignores the variable. The ASan
# build has injection on and runs the tests that need it (fail_closed_test
# and the like), which skip in the plain build and say why.
#
# FUZZ_SECONDS (default 5) is each libFuzzer target's time in the fuzz smoke
# run; 0 leaves that phase out. The long runs are scripts/soak.sh.
set -eu
cd "$(dirname "$0")/.."
jobs="$(nproc)"
fuzz_seconds="${FUZZ_SECONDS:-5}"

started="$(date +%s)"
timings=""
current=""
# phase NAME COMMAND...: runs COMMAND, noting its wall time under NAME.
phase() {
  current="$1"
  shift
  t0="$(date +%s)"
  "$@"
  timings="${timings}$(printf '%-34s %6s s' "$current" "$(($(date +%s) - t0))")
"
  current=""
}
report() {
  rc=$?
  echo "== time per phase"
  printf '%s' "$timings"
  if [ -n "$current" ]; then printf '%-34s %6s\n' "$current" "FAILED"; fi
  printf '%-34s %6s s\n' "total" "$(($(date +%s) - started))"
  exit "$rc"
}
trap report EXIT

phase "dependencies" scripts/deps.sh
phase "host configuration" scripts/configure-host.sh
for config in release asan; do
  dir="build-test-$config"
  if [ "$config" = asan ]; then
    flags="-DCMAKE_BUILD_TYPE=Debug -DRINGFENCE_SANITIZE=ON -DRINGFENCE_FAULT_INJECTION=ON -DRINGFENCE_BUILD_BENCH=OFF"
  else
    # The optimised build compiles the benchmarks too, so an interface
    # change that breaks them fails here rather than in setup.sh. It is
    # setup.sh's RelWithDebInfo without the debug information: GCC makes the
    # same code with and without -g, and -g is 40% of the compile time
    # (35.6 s against 21.2 s for one unity file of the integration tests).
    # (-DNDEBUG, which RelWithDebInfo has, is given apart: one word each.)
    flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2"
    flags="$flags -DCMAKE_CXX_FLAGS=-DNDEBUG -DCMAKE_C_FLAGS=-DNDEBUG"
    flags="$flags -DRINGFENCE_FAULT_INJECTION=OFF -DRINGFENCE_BUILD_BENCH=ON"
  fi
  # shellcheck disable=SC2086
  phase "$config: configure" cmake -S . -B "$dir" $flags
  phase "$config: build" cmake --build "$dir" -j"$jobs"
  echo "== tests: $config"
  # The engines suite (podman, dockerd, ctr driving ringfence-oci) runs once,
  # in the optimised build: under ASan it takes minutes of CI's budget, and
  # the OciRuntime integration tests already take the same code paths there.
  # So does the README tour (30 s under ASan): every verb it runs has its
  # own tests in both builds.
  skip=""
  if [ "$config" = asan ]; then skip="^engines\$|^ReadmeTour\."; fi
  phase "$config: tests" ctest --test-dir "$dir" --output-on-failure -j"$jobs" ${skip:+-E "$skip"}
done
# Every parser's libFuzzer target (clang, its own build in build-fuzz/),
# each replaying its corpus — the inputs of every crash found so far among
# them — then mutating for FUZZ_SECONDS (docs/reliability.md).
if [ "$fuzz_seconds" -gt 0 ]; then
  phase "fuzz smoke (${fuzz_seconds} s per target)" scripts/fuzz.sh "$fuzz_seconds"
fi
