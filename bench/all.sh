#!/bin/sh
# Every benchmark of issue 14 in one run, and one table at the end: each
# target, what was measured, and whether it is met; then issue 9's (the OCI
# runtime against crun, from startup.sh's OCI and podman parts). Each
# part's own output is kept in OUT (default: a temporary directory,
# printed) for the details.
# Needs root and a Release build with the benchmarks:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRINGFENCE_BUILD_TESTS=OFF
#   cmake --build build-bench -j"$(nproc)"
#   bench/all.sh build-bench [OUT]
#
# ROUNDS (startup, default 40; SPACED_ROUNDS its spaced starts, default 15),
# HARDEN_ROUNDS (default 3) and PARALLEL_ROUNDS
# (default 3) trade precision for time (HARDEN_FILES and HARDEN_DIRS shrink
# the harden tree, for a quick try of the script only); with the defaults it takes about
# ten minutes on the 2-CPU machine (docs/performance.md, "All at once").
set -eu
build="${1:-build-bench}"
out="${2:-$(mktemp -d /tmp/ringfence-bench-all.XXXXXX)}"
mkdir -p "$out"
src="$(cd "$(dirname "$0")/.." && pwd)"
bench="$build/bench"
for b in ringfence bench/startup_runner bench/bench_compile bench/bench_lint bench/harden_runner; do
  [ -x "$build/$b" ] || { echo "build $build first (see the top of this script): $b is missing" >&2; exit 1; }
done
began=$(date +%s)
part() {  # NAME COMMAND...: runs COMMAND, its output to OUT/NAME.txt
  name="$1"
  shift
  echo "== $name ($(date +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  "$@" > "$out/$name.txt" 2>&1 || { echo "$name failed; see $out/$name.txt" >&2; tail -5 "$out/$name.txt" >&2; exit 1; }
}

part startup "$src/bench/startup.sh" "$build" "${ROUNDS:-40}"
part resident "$src/bench/resident.sh" "$build"
part compile-warm "$bench/bench_compile" --benchmark_filter='BM_CompileShipped/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 --benchmark_format=json
part compile-fresh "$bench/bench_compile" --fresh=21
part lint "$bench/bench_lint" --benchmark_filter='BM_LintShipped/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 --benchmark_format=json
part parallel "$src/bench/parallel.sh" "$build" 100 20 "${PARALLEL_ROUNDS:-3}"
part harden "$src/bench/harden.sh" "$build" "${HARDEN_ROUNDS:-3}" "${HARDEN_FILES:-200000}" "${HARDEN_DIRS:-2000}"

# --- The table ------------------------------------------------------------
# startup_runner's row: name median p90 min peak ratio failures.
startup() {  # RCU COMMAND COLUMN
  awk -v rcu="== rcu_expedited=$1" -v cmd="$2" -v col="$3" '
    $0 == rcu { inside = 1; next }
    /^== / { inside = 0 }
    inside && $1 == cmd { v = $col; sub(/(ms|MiB|x)$/, "", v); print v; exit }' "$out/startup.txt"
}
spaced() {  # COMMAND: its median in startup.sh's block of spaced starts
  awk -v cmd="$1" '/^== spaced/ { inside = 1; next } /^$/ { inside = 0 } inside && $1 == cmd { print $2; exit }' \
    "$out/startup.txt"
}
row() {  # TARGET MEASURED MET
  printf '%-62s %-34s %s\n' "$1" "$2" "$3"
}
met() { awk "BEGIN { exit !($1) }" && echo met || echo "NOT met"; }

rf0=$(startup 0 ringfence 2) crunn0=$(startup 0 crun-noseccomp 2)
rf1=$(startup 1 ringfence 2) crun1=$(startup 1 crun 2) crunn1=$(startup 1 crun-noseccomp 2)
rss_rf=$(startup 0 ringfence 5) rss_crun=$(startup 0 crun 5)
resident=$(sed -n 's/.*RSS \([0-9]*\) KiB, PSS \([0-9]*\) KiB.*/\1 \2/p' "$out/resident.txt")
res_rss=${resident% *} res_pss=${resident#* }
res_many=$(sed -n 's/^with \([0-9]*\) running: PSS \([0-9]*\) KiB per sandbox.*/\2 KiB with \1 running/p' "$out/resident.txt")
warm=$(jq -r '[.benchmarks[] | select(.aggregate_name == "median") | .cpu_time
              * (if .time_unit == "ns" then 0.001 elif .time_unit == "ms" then 1000 else 1 end)] | max' \
  "$out/compile-warm.txt")
fresh=$(awk 'NR > 2 && NF >= 7 { if ($2 > m) m = $2 } END { print m }' "$out/compile-fresh.txt")
lint=$(jq -r '[.benchmarks[] | select(.aggregate_name == "median") | .items_per_second] | min' "$out/lint.txt")
parallel=$(sed -n 's/^ratio ringfence\/crun \([0-9.]*\)$/\1/p' "$out/parallel.txt")
harden=$(awk '$1 == "ringfence" && $5 ~ /x$/ { v = $5; sub(/x$/, "", v); print v }' "$out/harden.txt")

echo
echo "issue 14, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r); details in $out"
row "target" "measured" ""
row "1a start-up, default RCU: ringfence <= crun without seccomp" "$rf0 ms vs $crunn0 ms" "$(met "$rf0 <= $crunn0")"
row "1b start-up, expedited RCU: ringfence <= 0.5x crun" "$rf1 ms vs $crun1 ms ($(awk "BEGIN { printf \"%.2f\", $rf1 / $crun1 }")x)" "$(met "$rf1 <= 0.5 * $crun1")"
row "1c start-up, expedited RCU: ringfence <= crun without seccomp" "$rf1 ms vs $crunn1 ms" "$(met "$rf1 <= $crunn1")"
row "   (not a target: spaced starts, the RCU setting found)" \
  "$(spaced ringfence) vs $(spaced crun) ms, no seccomp $(spaced crun-noseccomp)" "-"
row "2a resident: supervisor + init <= 2 MiB" "RSS $res_rss KiB, PSS $res_pss KiB" "$(met "$res_rss <= 2048")"
row "   (not a target: PSS per sandbox when several run)" "$res_many" "-"
row "2b peak RSS of run <= crun's" "$rss_rf MiB vs $rss_crun MiB" "$(met "$rss_rf <= $rss_crun")"
row "3a compile, warm: <= 100 us per shipped profile (CPU, worst)" "$(printf '%.1f' "$warm") us" "$(met "$warm <= 100")"
row "3b compile, fresh process: <= 1 ms (wall, worst median)" "$(awk "BEGIN { printf \"%.2f\", $fresh / 1000 }") ms" "$(met "$fresh <= 1000")"
row "3c lint: >= 10,000 profiles/s (worst shipped profile)" "$(printf '%.0f' "$lint")/s" "$(met "$lint >= 10000")"
row "4 100 sandboxes, 20 at a time: ringfence <= crun" "${parallel}x crun's wall time" "$(met "$parallel <= 1.0")"
row "5 harden: never slower than find + chmod" "find/ringfence = ${harden}x" "$(met "$harden >= 1.0")"
took=$(( $(date +%s) - began ))
row "6 bench/all.sh in under 15 minutes" "$took s" "$(met "$took < 900")"

# Issue 9's targets, from startup.sh's OCI and podman blocks.
block() {  # FIRST-WORDS COMMAND COLUMN: a startup_runner row in the block whose title begins so
  awk -v title="$1" -v cmd="$2" -v col="$3" '
    index($0, title) == 1 { inside = 1; next }
    /^$|^each verb/ { inside = 0 }
    inside && $1 == cmd { v = $col; sub(/(ms|MiB|x)$/, "", v); print v; exit }' "$out/startup.txt"
}
cycle_rf=$(block "OCI runtime:" ringfence-oci-cycle 2) cycle_crun=$(block "OCI runtime:" crun-cycle 2)
pod_rf=$(block "podman run --rm" podman-ringfence 2) pod_crun=$(block "podman run --rm" podman-crun 2)
resident_oci=$(sed -n 's/^processes running the ringfence binary between create and start: \([0-9]*\)$/\1/p' \
  "$out/startup.txt")
echo
echo "issue 9 (the OCI runtime)"
row "OCI create+start+delete: ringfence-oci <= 0.8x crun" \
  "$cycle_rf ms vs $cycle_crun ms ($(awk "BEGIN { printf \"%.2f\", $cycle_rf / $cycle_crun }")x)" \
  "$(met "$cycle_rf <= 0.8 * $cycle_crun")"
row "nothing of ringfence resident between create and start" "$resident_oci processes" "$(met "$resident_oci == 0")"
if [ -n "$pod_rf" ]; then
  row "   (not a target: podman run --rm, ringfence-oci vs crun)" "$pod_rf ms vs $pod_crun ms" "-"
fi
