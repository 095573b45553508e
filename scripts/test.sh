#!/bin/sh
# README command 2: the whole test suite, twice — an optimised build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build. Integration tests need
# root; they say so and skip when run as another user.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure-host.sh
jobs="$(nproc)"
for config in release asan; do
  dir="build-test-$config"
  if [ "$config" = asan ]; then
    flags="-DCMAKE_BUILD_TYPE=Debug -DRINGFENCE_SANITIZE=ON"
  else
    # The optimised build compiles the benchmarks too, so an interface
    # change that breaks them fails here rather than in setup.sh.
    flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGFENCE_BUILD_BENCH=ON"
  fi
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" -DRINGFENCE_FAULT_INJECTION=ON -DRINGFENCE_BUILD_BENCH=OFF $flags
  cmake --build "$dir" -j"$jobs"
  echo "== tests: $config"
  # The engines suite (podman, dockerd, ctr driving ringfence-oci) runs once,
  # in the optimised build: under ASan it takes minutes of CI's budget, and
  # the OciRuntime integration tests already take the same code paths there.
  skip=""
  if [ "$config" = asan ]; then skip="^engines\$"; fi
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" ${skip:+-E "$skip"}
done
