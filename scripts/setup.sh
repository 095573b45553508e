#!/bin/sh
# README command 1: install the dependencies, build ringfence into build/
# (and build/rootfs, the tour's busybox root), and run its main job on the embedded default: a command sandboxed on the
# host's root, read-only, under profiles/default.toml.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/configure-host.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGFENCE_BUILD_TESTS=OFF
cmake --build build -j"$(nproc)"
# The busybox root filesystem the README's tour runs with --rootfs: the
# tests' own (it holds no setuid file), made by the same script.
tests/integration/make-rootfs.sh build/rootfs
exec build/ringfence run -- id
