#!/bin/sh
# scripts/fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer targets of
# tests/fuzz (clang, RINGFENCE_FUZZ=ON, in build-fuzz/) and runs each for
# SECONDS (default 60) on its seed corpus, tests/fuzz/corpus/TARGET, with
# its dictionary, tests/fuzz/dict/FORMAT.dict. New inputs go to a writable
# corpus in build-fuzz/corpus/TARGET, so the tree is never modified; a
# crash, a hang (-timeout) or a violated property leaves its input in
# build-fuzz/artifacts/TARGET/ and fails the script. Prints per target:
# executions, executions per second and the coverage reached (libFuzzer's
# cov: edges and ft: features). docs/reliability.md has the targets.
#
# Without TARGETs, every target. JOBS (default 2) is the build's -j.
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
all="profile seccomp_roundtrip seccomp_json oci_config site_policy profile_map audit_log audit_verify_mutation
     harden_record proc containers kernel_record bpf image_config layer"
targets="${*:-$all}"
build="build-fuzz"

if command -v ccache >/dev/null 2>&1; then
  export CMAKE_C_COMPILER_LAUNCHER="${CMAKE_C_COMPILER_LAUNCHER:-ccache}"
  export CMAKE_CXX_COMPILER_LAUNCHER="${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}"
fi
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DRINGFENCE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
build_targets=""
for t in $targets; do build_targets="$build_targets fuzz_$t"; done
# shellcheck disable=SC2086
cmake --build "$build" -j"${JOBS:-2}" --target $build_targets

# The seeds each target starts from, besides its own directory (where the
# inputs of the crashes fixed are kept as regression seeds).
seeds_of() {
  case "$1" in
    seccomp_roundtrip) echo "tests/fuzz/corpus/profile" ;;
    *) ;;
  esac
}
dict_of() {
  case "$1" in
    profile | seccomp_roundtrip) echo profile ;;
    *) echo "$1" ;;
  esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=""
report="$build/fuzz-report.txt"
printf '%-22s %12s %9s %8s %8s  %s\n' target executions "exec/s" cov ft result >"$report"
for t in $targets; do
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  dirs=""
  for d in "tests/fuzz/corpus/$t" $(seeds_of "$t"); do [ -d "$d" ] && dirs="$dirs $d"; done
  dict=""
  [ -f "tests/fuzz/dict/$(dict_of "$t").dict" ] && dict="-dict=tests/fuzz/dict/$(dict_of "$t").dict"
  log="$build/fuzz-$t.log"
  echo "== fuzz: $t for ${seconds}s (log: $log)"
  rc=0
  # -timeout: one input running 10 s is a hang. -max_len: large enough for
  # Docker's whole seccomp profile and the shipped profiles.
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" $dict "$build/corpus/$t" $dirs >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # The last status line (#N INITED/NEW/REDUCE/pulse/DONE ... cov: C ft: F).
  last=$(grep -aE '^#[0-9]+[[:space:]]+[A-Z_a-z]+[[:space:]]+cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\) ft: .*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc; input in $build/artifacts/$t/)"
    failed="$failed $t"
    grep -aE '^(==[0-9]+== ?ERROR|SUMMARY|fuzz property violated)|runtime error|what\(\)' "$log" | head -5 || true
  fi
  printf '%-22s %12s %9s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result" >>"$report"
done
echo "== fuzz: ${seconds}s per target"
cat "$report"
if [ -n "$failed" ]; then
  echo "ringfence: fuzzing found failures in:$failed (reproduce: $build/tests/fuzz/fuzz_TARGET INPUT)" >&2
  exit 1
fi
