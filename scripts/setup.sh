#!/bin/sh
# README command 1: install the dependencies, build ringfence into build/,
# and run its main job on the embedded default.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGFENCE_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)"
exec build/ringfence plan profiles/default.toml
