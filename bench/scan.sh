#!/bin/sh
# How long `ringfence audit scan` takes for N containers (docs/performance.md,
# "Compliance scan"; the issue's target: 100 containers in under 2 s on the
# 2-core machine). Starts N runc containers (busybox sleep, each in its own
# namespaces and cgroup, no seccomp: every control has something to judge)
# in a state root of its own, scans them ROUNDS times against the cis-docker
# benchmark, and prints the median and the slowest wall time. Every container
# is deleted at the end, whatever happened. Needs root and runc:
#
#   cmake --build BUILD -j"$(nproc)" --target ringfence
#   bench/scan.sh BUILD [CONTAINERS] [ROUNDS]
set -eu
build="${1:-build-bench}"
count="${2:-100}"
rounds="${3:-5}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$build/ringfence"
[ -x "$rf" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }
command -v runc >/dev/null || { echo "runc is not installed" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-scan.XXXXXX)"
root="$work/runc"
prefix="rf-bench-$$"
cleanup() {
  for id in $(runc --root "$root" list -q 2>/dev/null); do runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
. "$src/bench/lib.sh"
bench_on_exit cleanup
"$src/tests/integration/make-rootfs.sh" "$work/rootfs" >/dev/null
mkdir "$work/bundle" "$work/ringfence"
cat >"$work/bundle/config.json" <<JSON
{"ociVersion": "1.0.2",
 "root": {"path": "$work/rootfs", "readonly": true},
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/sleep", "3600"],
             "env": ["PATH=/bin"], "cwd": "/", "noNewPrivileges": true},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}]}}
JSON
start=$(date +%s.%N)
for i in $(seq "$count"); do
  runc --root "$root" run --detach --bundle "$work/bundle" "$prefix-$i" </dev/null >/dev/null
done
echo "started $count runc containers in $(echo "$(date +%s.%N) - $start" | bc) s"

for i in $(seq "$rounds"); do
  t0=$(date +%s%N)
  # Exit 1 is expected: runc's containers fail CIS controls.
  "$rf" --root "$work/ringfence" audit scan --no-default-state-dirs --no-proc --state-dir "runc=$root" --benchmark cis-docker \
    --format json >"$work/out.json" 2>"$work/err" || [ $? -eq 1 ]
  t1=$(date +%s%N)
  judged=$(grep -c '"kind": "compliance"' "$work/out.json" || true)
  [ "$judged" -eq "$count" ] || { echo "round $i: $judged of $count containers judged" >&2; cat "$work/err" >&2; exit 1; }
  echo $(((t1 - t0) / 1000000)) >>"$work/times"
done
median=$(sort -n "$work/times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
slowest=$(sort -n "$work/times" | tail -1)
echo "audit scan of $count containers, $rounds rounds: median $median ms, slowest $slowest ms (load $(cut -d' ' -f1 /proc/loadavg))"
