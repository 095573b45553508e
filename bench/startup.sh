#!/bin/sh
# Start-up time of a sandbox running /bin/true from the same busybox rootfs,
# side by side: ringfence with profiles/default.toml, crun and runc with an
# OCI config asking for the same namespaces, capabilities, masked paths and
# seccomp profile (exported by ringfence itself), bwrap --unshare-all, and a
# plain fork+exec. Rounds alternate the commands; medians and the ratio to
# crun are printed. Needs root and a Release build:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRINGFENCE_BUILD_TESTS=OFF
#   cmake --build build-bench -j"$(nproc)"
#   bench/startup.sh build-bench [ROUNDS]
set -eu
build="${1:-build-bench}"
rounds="${2:-200}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$build/ringfence"
runner="$build/bench/startup_runner"
[ -x "$rf" ] && [ -x "$runner" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-bench.XXXXXX)"
. "$src/bench/lib.sh"
# The RCU setting found is given back however the script ends.
rcu_found="$(cat /sys/kernel/rcu_expedited)"
bench_on_exit 'echo "$rcu_found" > /sys/kernel/rcu_expedited; bench_cleanup'
bench_rootfs
bench_hugetlb_for_crun
bench_bundle "$work/oci" yes
bench_bundle "$work/oci-noseccomp" no

echo "ringfence $("$rf" --version 2>&1 | head -1); $(crun --version | head -1); $(runc --version | head -1); bwrap $(bwrap --version | cut -d' ' -f2)"
echo "kernel $(uname -r), $(nproc) CPUs, $rounds rounds"
# Side by side at both RCU settings: moving a process into a cgroup waits
# for a grace period, which expedited RCU shortens for every runtime alike
# (docs/performance.md, "Start-up").
for rcu in 0 1; do
  echo "$rcu" > /sys/kernel/rcu_expedited
  echo
  echo "== rcu_expedited=$rcu"
  "$runner" "$rounds" crun \
    "ringfence=$rf --root $work/state run --read-only --rootfs $rootfs -- /bin/true" \
    "crun=crun --root $work/crun run --bundle $work/oci rf-crun-{i}" \
    "crun-noseccomp=crun --root $work/crun run --bundle $work/oci-noseccomp rf-crunn-{i}" \
    "runc=runc --root $work/runc run --bundle $work/oci rf-runc-{i}" \
    "bwrap=bwrap --unshare-all --ro-bind $rootfs / --proc /proc --dev /dev /bin/true" \
    "fork+exec=/bin/true"
done
echo "$rcu_found" > /sys/kernel/rcu_expedited

# Spaced starts, at the RCU setting found: the rounds above follow each
# other closely, and on cgroup v1 a cgroup move made within about one RCU
# grace period of another does not wait again, so there every runtime pays
# less of that wait than a lone start does (docs/performance.md, "The cgroup
# move"). Here each start follows a pause of 0.3 to 0.7 s, as a user's
# would; the order of the runtimes is the same in every round. Not a target:
# what one start costs on this host.
spaced="${SPACED_ROUNDS:-15}"
echo
echo "== spaced starts (rcu_expedited=$rcu_found, $spaced rounds, a pause before each), median wall time"
bash -c '
work=$1 rf=$2 rootfs=$3 rounds=$4
for i in $(seq "$rounds"); do
  for name in ringfence crun crun-noseccomp; do
    case $name in
      ringfence) set -- "$rf" --root "$work/state" run --read-only --rootfs "$rootfs" -- /bin/true ;;
      crun) set -- crun --root "$work/crun" run --bundle "$work/oci" "rf-sp-$i" ;;
      crun-noseccomp) set -- crun --root "$work/crun" run --bundle "$work/oci-noseccomp" "rf-spn-$i" ;;
    esac
    sleep "0.$((3 + RANDOM % 5))"
    t0=$EPOCHREALTIME
    "$@" > /dev/null || { echo "$name failed" >&2; exit 1; }
    t1=$EPOCHREALTIME
    echo "$name $t0 $t1"
  done
done' spaced "$work" "$rf" "$rootfs" "$spaced" | python3 -c '
import statistics, sys
runs = {}
for line in sys.stdin:
    name, t0, t1 = line.split()
    runs.setdefault(name, []).append((float(t1) - float(t0)) * 1000)
crun = statistics.median(runs["crun"])
for name, ms in runs.items():
    print(f"  {name:<16} {statistics.median(ms):7.2f} ms  {statistics.median(ms) / crun:5.2f}x")
'

# Where ringfence's own time goes: the plan's steps as the start timed them
# (`run --timings`), the median of each row over 21 runs, in plan order.
echo
echo "ringfence run --timings: median of 21 runs, milliseconds"
for i in $(seq 21); do
  "$rf" --root "$work/state" run --timings --read-only --rootfs "$rootfs" -- /bin/true 2>&1 >/dev/null
done | python3 -c '
import re, statistics, sys
rows, order = {}, []
for line in sys.stdin:
    m = re.match(r"^  (.+?) +(cli|parent|child|sandbox) +([0-9.]+) +([0-9.]+)$", line)
    t = re.match(r"^  total +([0-9.]+)$", line)
    if not m and not t: continue
    key, at, took = ((m[1], m[2]), float(m[3]), float(m[4])) if m else (("total", ""), 0.0, float(t[1]))
    if key not in rows: rows[key] = ([], []); order.append(key)
    rows[key][0].append(at); rows[key][1].append(took)
print("  %-44s %-7s %8s %8s" % ("what", "where", "at", "took"))
for key in order:
    at, took = rows[key]
    print(f"  {key[0]:<44} {key[1]:<7} {statistics.median(at):>8.3f} {statistics.median(took):>8.3f}")
'

# The OCI runtime, as engines call it, against crun on the same bundle:
# run (create + start + wait + delete), and create, start and delete one by
# one (each cycle a small bash script, so both pay the same shell; it notes
# each verb's wall time from bash's own clock, which starts no process).
oci="$(cd "$build" && pwd)/ringfence-oci"
for runtime in ringfence-oci crun; do
  bin="$oci --audit-log $work/oci-audit.jsonl"
  [ "$runtime" = crun ] && bin=crun
  cat > "$work/$runtime-cycle.sh" <<EOF
t0=\$EPOCHREALTIME
$bin --root $work/$runtime-cycle create --bundle $work/oci "\$1" >/dev/null || exit 1
t1=\$EPOCHREALTIME
$bin --root $work/$runtime-cycle start "\$1" || exit 1
t2=\$EPOCHREALTIME
$bin --root $work/$runtime-cycle delete --force "\$1" || exit 1
t3=\$EPOCHREALTIME
echo "\$t0 \$t1 \$t2 \$t3" >> $work/$runtime-verbs.txt
EOF
done
echo
echo "OCI runtime: the same bundle (default seccomp profile), $rounds rounds"
"$runner" "$rounds" crun-run \
  "ringfence-oci-run=$oci --root $work/rfoci --audit-log $work/oci-audit.jsonl run --bundle $work/oci rf-o-{i}" \
  "crun-run=crun --root $work/crun run --bundle $work/oci rf-c-{i}" \
  "ringfence-oci-cycle=bash $work/ringfence-oci-cycle.sh rf-oc-{i}" \
  "crun-cycle=bash $work/crun-cycle.sh rf-cc-{i}"
echo "each verb of the cycles above, median milliseconds:"
for runtime in ringfence-oci crun; do
  python3 -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[2])]
verbs = [statistics.median((r[i + 1] - r[i]) * 1000 for r in rows) for i in range(3)]
print(f"  {sys.argv[1]:<14} create {verbs[0]:6.2f}  start {verbs[1]:6.2f}  delete {verbs[2]:6.2f}")
' "$runtime" "$work/$runtime-verbs.txt"
done

# podman as a user runs it, `podman run --rm` of the same busybox image,
# with crun and with ringfence-oci as its runtime: podman gives both its own
# default seccomp profile and the same request. podman's own work (its
# storage, conmon) is most of each run; at most 20 rounds.
bench_podman
if [ -n "$podman" ]; then
  podman_rounds=$((rounds < 20 ? rounds : 20))
  echo
  echo "podman run --rm of the same image, each runtime, $podman_rounds rounds"
  "$runner" "$podman_rounds" podman-crun \
    "podman-ringfence=$podman --runtime $oci --runtime-flag audit-log=$work/podman-audit.jsonl run --rm localhost/ringfence-bench /bin/true" \
    "podman-crun=$podman --runtime /usr/bin/crun run --rm localhost/ringfence-bench /bin/true"
fi

# A process of ringfence's: one running the ringfence binary, or the small
# supervisor it execs in its place (runtime/src/handover.h).
ringfence_exe() {  # /proc/PID
  case "$(readlink "$1/exe" 2>/dev/null)" in
    "$(readlink -f "$build/ringfence")" | "$(readlink -f "$build/ringfence-supervisor")") return 0 ;;
  esac
  return 1
}

# Between create and start, what of the runtime stays resident: no process
# runs the ringfence binary (the container's own waits in ringfence-exec,
# from a sealed memfd). crun leaves none either.
"$oci" --root "$work/rfoci" --audit-log "$work/oci-audit.jsonl" create --bundle "$work/oci" rf-resident >/dev/null
resident=0
for dir in /proc/[0-9]*; do
  ringfence_exe "$dir" && resident=$((resident + 1))
done
echo "processes running the ringfence binary between create and start: $resident"
"$oci" --root "$work/rfoci" delete --force rf-resident

# A container whose seccomp rules send calls to user space (here mkdir, as
# SCMP_ACT_NOTIFY) has one monitor while it runs (docs/oci.md, "Audit"):
# its resident and proportional set sizes, summed over every process of
# ringfence's (the monitor is the small supervisor once it is set up), with
# the container started and running.
jq '.process.args = ["/bin/sleep", "1000"]
    | .linux.seccomp.syscalls = [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}] + .linux.seccomp.syscalls' \
  "$work/oci/config.json" > "$work/oci-notify.json"
mkdir -p "$work/oci-notify" && mv "$work/oci-notify.json" "$work/oci-notify/config.json"
"$oci" --root "$work/rfoci" --audit-log "$work/oci-audit.jsonl" create --bundle "$work/oci-notify" rf-monitor >/dev/null
"$oci" --root "$work/rfoci" start rf-monitor
rss=0 pss=0 monitors=0
for dir in /proc/[0-9]*; do
  ringfence_exe "$dir" || continue
  monitors=$((monitors + 1))
  rss=$((rss + $(awk '/^Rss:/ {print $2}' "$dir/smaps_rollup")))
  pss=$((pss + $(awk '/^Pss:/ {print $2}' "$dir/smaps_rollup")))
done
echo "a monitored container: $monitors ringfence process(es), RSS $rss KiB, PSS $pss KiB"
"$oci" --root "$work/rfoci" delete --force rf-monitor
