#!/bin/sh
# What recording refused calls costs the program that makes them, side by
# side in one run (docs/performance.md, "Recorded denials"):
#   off      ringfence run --no-audit-denials: the filter refuses, nothing
#            is logged;
#   kernel   ringfence run (the default): the filter is loaded with
#            SECCOMP_FILTER_FLAG_LOG and the supervisor records the kernel's
#            records (the first 100 one by one, the rest counted);
#   notify   the same calls sent to the supervisor instead (a `notify` rule),
#            which answers and records each one.
# Each round runs the burst program (tests/integration/notify_burst.c: CALLS
# refused mkdirat calls, reporting its own calls per second) once per mode,
# in turn. Every recorded round's log must account for every call and
# verify. Needs root and a build with the tests' helpers:
#
#   cmake --build BUILD -j"$(nproc)" --target ringfence notify_burst
#   bench/denials.sh BUILD [ROUNDS] [CALLS]
set -eu
build="${1:-build-bench}"
rounds="${2:-5}"
calls="${3:-100000}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$build/ringfence"
burst="$build/tests/notify_burst"
[ -x "$rf" ] && [ -x "$burst" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-denials.XXXXXX)"
. "$src/bench/lib.sh"
bench_on_exit 'rm -rf "$work"'
"$src/tests/integration/make-rootfs.sh" "$work/rootfs" >/dev/null
mkdir "$work/bin"
cp "$burst" "$work/bin/notify_burst"
data="$src/tests/data/integration"

rate() { sed -n 's/.*per_second=\([0-9]*\).*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Every call of the burst is in the log: one record each, or a count.
accounted() {
  grep -E '"event":"seccomp.(denied|notify)"' "$1" | grep mkdir |
    sed -n 's/.*"count":\([0-9]*\).*/\1/p;t;s/.*/1/p' | awk '{ s += $1 } END { print s + 0 }'
}

for i in $(seq "$rounds"); do
  for mode in off kernel notify; do
    log="$work/$mode.jsonl"
    rm -f "$log"
    case "$mode" in
      off) set -- --no-audit-denials --profile "$data/deny-mkdir.toml" ;;
      kernel) set -- --profile "$data/deny-mkdir.toml" ;;
      notify) set -- --profile "$data/notify-mkdir.toml" ;;
    esac
    "$rf" run --audit-log "$log" --rootfs "$work/rootfs" "$@" -v "$work/bin:/data:ro" -- /data/notify_burst "$calls" |
      rate >>"$work/$mode"
    if [ "$mode" != off ]; then
      got="$(accounted "$log")"
      [ "$got" -eq "$calls" ] || { echo "round $i $mode: $got of $calls calls in the log" >&2; exit 1; }
      "$rf" audit verify "$log" >/dev/null
    fi
  done
done

off="$(median <"$work/off")"
printf '%-8s %10s %8s\n' mode "calls/s" ratio
for mode in off kernel notify; do
  m="$(median <"$work/$mode")"
  printf '%-8s %10s %8s\n' "$mode" "$m" "$(awk -v m="$m" -v b="$off" 'BEGIN { printf "%.2f", m / b }')"
done
