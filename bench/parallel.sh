#!/bin/sh
# Many at once (issue 14, target 4): N sandboxes running /bin/true, started
# AT_ONCE at a time, by ringfence (profiles/default.toml) and by crun (the
# same policy, exported as an OCI bundle), in alternating rounds. Prints the
# median wall time of each and the ratio (target: ringfence at most crun's).
# Every start must succeed: a round with a failure is reported, not timed.
# Needs root and a Release build:
#
#   bench/parallel.sh build-bench [N] [AT_ONCE] [ROUNDS]
set -eu
build="${1:-build-bench}"
count="${2:-100}"
at_once="${3:-20}"
rounds="${4:-5}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$(cd "$build" && pwd)/ringfence"
[ -x "$rf" ] || { echo "build $build first (see bench/startup.sh)" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-parallel.XXXXXX)"
. "$src/bench/lib.sh"
bench_on_exit bench_cleanup
bench_rootfs
bench_hugetlb_for_crun
bench_bundle "$work/oci" yes

# start RUNTIME ROUND: the wall time, in milliseconds, of COUNT starts
# AT_ONCE at a time; "failed" when any of them did not exit 0.
start() {
  case "$1" in
    ringfence) set -- "$rf --root $work/state run --read-only --rootfs $rootfs -- /bin/true" ;;
    crun) set -- "crun --root $work/crun run --bundle $work/oci rf-par-$2-{}" ;;
  esac
  begin=$(date +%s%N)
  if seq "$count" | xargs -P "$at_once" -I{} sh -c "$1 >/dev/null 2>&1"; then
    echo $(( ($(date +%s%N) - begin) / 1000000 ))
  else
    echo failed
  fi
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "$count sandboxes of /bin/true, $at_once at a time, $rounds rounds; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$work/ringfence.ms"
: > "$work/crun.ms"
for round in $(seq "$rounds"); do
  # Alternating which goes first, so that neither always meets a warmer
  # machine.
  order="ringfence crun"
  [ $((round % 2)) -eq 0 ] && order="crun ringfence"
  for runtime in $order; do
    ms=$(start "$runtime" "$round")
    [ "$ms" = failed ] && { echo "$runtime: a start failed in round $round" >&2; exit 1; }
    echo "$ms" >> "$work/$runtime.ms"
  done
done
rf_ms=$(median < "$work/ringfence.ms")
crun_ms=$(median < "$work/crun.ms")
printf '%-10s %8s ms\n' ringfence "$rf_ms" crun "$crun_ms"
awk -v a="$rf_ms" -v b="$crun_ms" 'BEGIN { printf "ratio ringfence/crun %.2f\n", a / b }'
