#!/bin/sh
# README command 2: the whole test suite, twice — an optimised build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build. Integration tests need
# root; they say so and skip when run as another user.
#
# The optimised build is the plain one users get: fault injection
# (RINGFENCE_FAIL_STEP, docs/runtime.md) is off, so the binary tested is the
# binary shipped, and a test checks that it ignores the variable. The ASan
# build has injection on and runs the tests that need it (fail_closed_test
# and the like), which skip in the plain build and say why. Two builds, not
# three: CI's budget is 40 minutes and the suite takes most of it.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure-host.sh
jobs="$(nproc)"
for config in release asan; do
  dir="build-test-$config"
  if [ "$config" = asan ]; then
    flags="-DCMAKE_BUILD_TYPE=Debug -DRINGFENCE_SANITIZE=ON -DRINGFENCE_FAULT_INJECTION=ON -DRINGFENCE_BUILD_BENCH=OFF"
  else
    # The optimised build compiles the benchmarks too, so an interface
    # change that breaks them fails here rather than in setup.sh.
    flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGFENCE_FAULT_INJECTION=OFF -DRINGFENCE_BUILD_BENCH=ON"
  fi
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" $flags
  cmake --build "$dir" -j"$jobs"
  echo "== tests: $config"
  # The engines suite (podman, dockerd, ctr driving ringfence-oci) runs once,
  # in the optimised build: under ASan it takes minutes of CI's budget, and
  # the OciRuntime integration tests already take the same code paths there.
  # So does the README tour (30 s under ASan): every verb it runs has its
  # own tests in both builds.
  skip=""
  if [ "$config" = asan ]; then skip="^engines\$|^ReadmeTour\."; fi
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" ${skip:+-E "$skip"}
done
