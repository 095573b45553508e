#!/bin/sh
# Stripping setuid/setgid bits from a 200,000-file tree, side by side:
#
#   find ROOT -xdev -perm /6000 -type f -exec chmod a-s {} +
#   ringfence harden ROOT --in-place
#
# and, to show where the time goes, each one's walk alone (find without the
# -exec, ringfence harden without --in-place). The tree (bench/harden_runner.cpp)
# has 2,000 leaf directories of 100 files each, 1% of them setuid or setgid,
# and lives on disk under /var/tmp, not on a tmpfs. Nothing is dropped from
# the page cache: an untimed first round warms it for every command, and
# every command then walks a warm tree. Before each timed run the bits are put
# back (outside the timing); after it every one of them must be gone. Rounds
# alternate the order. Needs a Release build:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRINGFENCE_BUILD_TESTS=OFF
#   cmake --build build-bench -j2 --target ringfence harden_runner
#   bench/harden.sh build-bench [ROUNDS] [FILES] [DIRS]
set -eu
build="${1:-build-bench}"
rounds="${2:-7}"
files="${3:-200000}"
dirs="${4:-2000}"
rf="$build/ringfence"
runner="$build/bench/harden_runner"
[ -x "$rf" ] && [ -x "$runner" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }
work="$(mktemp -d /var/tmp/ringfence-harden-bench.XXXXXX)"
. "$(cd "$(dirname "$0")/.." && pwd)/bench/lib.sh"
bench_on_exit 'rm -rf "$work"'
root="$work/root"
record="$work/record.jsonl"

start=$(date +%s)
"$runner" make "$root" "$files" "$dirs"
echo "tree: $files files in $dirs directories, $((files / 100)) setuid/setgid, on $(df -T "$work" | awk 'NR==2 {print $2}'), made in $(( $(date +%s) - start )) s"
echo "$($rf --version 2>&1 | head -1); $(find --version | head -1); kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
"$runner" run "$root" "$files" "$dirs" "$rounds" find --remove "$record" \
  "find=find $root -xdev -perm /6000 -type f -exec chmod a-s {} +" \
  "ringfence=$rf harden $root --in-place --record $record" \
  "find-report=find $root -xdev -perm /6000 -type f" \
  "ringfence-report=$rf harden $root"
