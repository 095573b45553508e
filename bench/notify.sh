#!/bin/sh
# Recorded seccomp violations per second, side by side, in one run:
#   bare     bench/notify_bare: a loop that only receives and answers the
#            notifications (poll, RECV, ID_VALID, SEND), recording nothing;
#   batch    ringfence run with its audit log, default fsync policy (records
#            written and fsync'd in batches of at most 4096 or 50 ms);
#   record   ringfence run --audit-fsync record (one write and fsync each).
# Each round runs the same burst program (tests/integration/notify_burst.c:
# CALLS denied mkdirat calls, each a notification) once per mode, in turn;
# the burst reports its own calls per second. Every ringfence round's log
# must hold exactly CALLS notification records (zero loss) and verify.
# Then `ringfence audit verify` on the largest log, in MB/s. Needs root and
# a Release build with the tests' helpers:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRINGFENCE_BUILD_BENCH=ON
#   cmake --build build-bench -j"$(nproc)" --target ringfence notify_bare notify_burst
#   bench/notify.sh build-bench [ROUNDS] [CALLS]
set -eu
build="${1:-build-bench}"
rounds="${2:-7}"
calls="${3:-100000}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$build/ringfence"
bare="$build/bench/notify_bare"
burst="$build/tests/notify_burst"
[ -x "$rf" ] && [ -x "$bare" ] && [ -x "$burst" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-notify.XXXXXX)"
. "$src/bench/lib.sh"
bench_on_exit 'rm -rf "$work"'
"$src/tests/integration/make-rootfs.sh" "$work/rootfs" >/dev/null
mkdir "$work/bin"
cp "$burst" "$work/bin/notify_burst"
profile="$src/tests/data/integration/notify-mkdir.toml"

rate() { sed -n 's/.*per_second=\([0-9]*\).*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for i in $(seq "$rounds"); do
  "$bare" "$work/bin/notify_burst" "$calls" | rate >>"$work/bare"
  for mode in batch record; do
    log="$work/$mode.jsonl"
    rm -f "$log"
    "$rf" run --audit-log "$log" --audit-fsync "$mode" --rootfs "$work/rootfs" --profile "$profile" \
      -v "$work/bin:/data:ro" -- /data/notify_burst "$calls" | rate >>"$work/$mode"
    got="$(grep -c '"event":"seccomp.notify"' "$log")"
    [ "$got" -eq "$calls" ] || { echo "round $i $mode: $got of $calls records" >&2; exit 1; }
    "$rf" audit verify "$log" >/dev/null
  done
done

b="$(median <"$work/bare")"
printf '%-8s %10s %8s\n' mode "calls/s" ratio
for mode in bare batch record; do
  m="$(median <"$work/$mode")"
  printf '%-8s %10s %8s\n' "$mode" "$m" "$(awk -v m="$m" -v b="$b" 'BEGIN { printf "%.2f", m / b }')"
done

# audit verify throughput on the batch log (CALLS + 3 records).
log="$work/batch.jsonl"
bytes="$(stat -c %s "$log")"
start="$(date +%s%N)"
"$rf" audit verify "$log" >/dev/null
end="$(date +%s%N)"
awk -v b="$bytes" -v ns="$((end - start))" 'BEGIN { printf "audit verify: %.1f MB in %.0f ms = %.0f MB/s\n", b / 1e6, ns / 1e6, b / 1e6 / (ns / 1e9) }'
