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
    flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
  fi
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" $flags -DRINGFENCE_FAULT_INJECTION=ON -DRINGFENCE_BUILD_BENCH=OFF
  cmake --build "$dir" -j"$jobs"
  echo "== tests: $config"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
done
