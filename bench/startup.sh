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
work="$(mktemp -d /tmp/ringfence-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# Searchable by the containers' mapped root (uid 100000 below), which crun
# and runc let open the rootfs from inside the user namespace.
chmod 0711 "$work"
[ -x "$rf" ] && [ -x "$runner" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }

rootfs="$work/rootfs"
"$src/tests/integration/make-rootfs.sh" "$rootfs"

# crun refuses a hybrid hierarchy whose cgroup v2 still holds a controller;
# on this machine that is hugetlb, which a v1 mount takes over until the
# script ends. (cgroup files have no size: test their text, not -s.)
if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
  mkdir -p /sys/fs/cgroup/hugetlb
  mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
  # Unmounted while something still holds the hierarchy, hugetlb stays
  # bound to a hidden v1 hierarchy: every process then lists a hugetlb
  # cgroup no mount shows, and containerd's shim, which cannot load it,
  # stops reporting OOM kills. So the hierarchy is given back until v2 has
  # hugetlb again.
  restore_hugetlb() {
    for attempt in 1 2 3 4 5; do
      mountpoint -q /sys/fs/cgroup/hugetlb || mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
      umount /sys/fs/cgroup/hugetlb
      grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers && break
      sleep 1
    done
    rmdir /sys/fs/cgroup/hugetlb
    grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers ||
      echo "warning: hugetlb did not return to cgroup v2; mount and unmount /sys/fs/cgroup/hugetlb again" >&2
  }
  trap 'restore_hugetlb; rm -rf "$work"' EXIT
fi

# The default profile's user namespace gets its ids at run time, so the
# export names no mappings, and runc refuses a user namespace without them:
# every bundle maps the same fixed range.
make_bundle() {  # DIR SECCOMP(yes|no)
  mkdir -p "$1"
  "$rf" export --format oci default |
    jq --arg seccomp "$2" --arg rootfs "$rootfs" '. + {root: {path: $rootfs, readonly: true}}
        | .process += {args: ["/bin/true"], terminal: false, user: {uid: 0, gid: 0}, cwd: "/"}
        | .linux += {uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
                     gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}
        | if $seccomp == "no" then del(.linux.seccomp) else . end' > "$1/config.json"
}
make_bundle "$work/oci" yes
make_bundle "$work/oci-noseccomp" no

echo "ringfence $("$rf" --version 2>&1 | head -1); $(crun --version | head -1); $(runc --version | head -1); bwrap $(bwrap --version | cut -d' ' -f2)"
echo "kernel $(uname -r), $(nproc) CPUs, $rounds rounds"
"$runner" "$rounds" crun \
  "ringfence=$rf --root $work/state run --read-only --rootfs $rootfs -- /bin/true" \
  "crun=crun --root $work/crun run --bundle $work/oci rf-crun-{i}" \
  "crun-noseccomp=crun --root $work/crun run --bundle $work/oci-noseccomp rf-crunn-{i}" \
  "runc=runc --root $work/runc run --bundle $work/oci rf-runc-{i}" \
  "bwrap=bwrap --unshare-all --ro-bind $rootfs / --proc /proc --dev /dev /bin/true" \
  "fork+exec=/bin/true"

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
# one (each cycle a small script, so both pay the same shell).
oci="$(cd "$build" && pwd)/ringfence-oci"
for runtime in ringfence-oci crun; do
  bin="$oci --audit-log $work/oci-audit.jsonl"
  [ "$runtime" = crun ] && bin=crun
  cat > "$work/$runtime-cycle.sh" <<EOF
$bin --root $work/$runtime-cycle create --bundle $work/oci "\$1" >/dev/null &&
$bin --root $work/$runtime-cycle start "\$1" &&
$bin --root $work/$runtime-cycle delete --force "\$1"
EOF
done
echo
echo "OCI runtime: the same bundle (default seccomp profile), $rounds rounds"
"$runner" "$rounds" crun-run \
  "ringfence-oci-run=$oci --root $work/rfoci --audit-log $work/oci-audit.jsonl run --bundle $work/oci rf-o-{i}" \
  "crun-run=crun --root $work/crun run --bundle $work/oci rf-c-{i}" \
  "ringfence-oci-cycle=sh $work/ringfence-oci-cycle.sh rf-oc-{i}" \
  "crun-cycle=sh $work/crun-cycle.sh rf-cc-{i}"

# Between create and start, what of the runtime stays resident: no process
# runs the ringfence binary (the container's own waits in ringfence-exec,
# from a sealed memfd). crun leaves none either.
"$oci" --root "$work/rfoci" --audit-log "$work/oci-audit.jsonl" create --bundle "$work/oci" rf-resident >/dev/null
resident=0
for exe in /proc/[0-9]*/exe; do
  [ "$(readlink "$exe" 2>/dev/null)" = "$(readlink -f "$build/ringfence")" ] && resident=$((resident + 1))
done
echo "processes running the ringfence binary between create and start: $resident"
"$oci" --root "$work/rfoci" delete --force rf-resident

# A container whose seccomp rules send calls to user space (here mkdir, as
# SCMP_ACT_NOTIFY) has one monitor while it runs (docs/oci.md, "Audit"):
# its resident and proportional set sizes, summed over every process
# running the ringfence binary, with the container started and running.
jq '.process.args = ["/bin/sleep", "1000"]
    | .linux.seccomp.syscalls = [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}] + .linux.seccomp.syscalls' \
  "$work/oci/config.json" > "$work/oci-notify.json"
mkdir -p "$work/oci-notify" && mv "$work/oci-notify.json" "$work/oci-notify/config.json"
"$oci" --root "$work/rfoci" --audit-log "$work/oci-audit.jsonl" create --bundle "$work/oci-notify" rf-monitor >/dev/null
"$oci" --root "$work/rfoci" start rf-monitor
rss=0 pss=0 monitors=0
for dir in /proc/[0-9]*; do
  [ "$(readlink "$dir/exe" 2>/dev/null)" = "$(readlink -f "$build/ringfence")" ] || continue
  monitors=$((monitors + 1))
  rss=$((rss + $(awk '/^Rss:/ {print $2}' "$dir/smaps_rollup")))
  pss=$((pss + $(awk '/^Pss:/ {print $2}' "$dir/smaps_rollup")))
done
echo "a monitored container: $monitors ringfence process(es), RSS $rss KiB, PSS $pss KiB"
"$oci" --root "$work/rfoci" delete --force rf-monitor
