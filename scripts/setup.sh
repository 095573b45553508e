#!/bin/sh
# README command 1: install the dependencies, build ringfence into build/,
# and run its main job on the embedded default: a command sandboxed on the
# host's root, read-only, under profiles/default.toml.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure-host.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGFENCE_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)"
exec build/ringfence run -- id
