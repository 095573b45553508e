#!/bin/sh
# What a running sandbox costs while it runs (issue 14, target 2): a
# detached sandbox running `sleep` under profiles/default.toml, and the
# resident (RSS) and proportional (PSS) set sizes of every process of
# ringfence's that stays for it — its supervisor, and its init
# (ringfence-exec, from a sealed memfd) — not of the program itself.
# Target: at most 2 MiB together.
#
# It then starts N-1 more (N=10 by default) and prints what each costs
# once several run: the summed PSS of all their ringfence processes over N.
# The supervisors are copies of one binary with the same libraries, and
# PSS shares each page out among the processes that map it, so this is
# what one more sandbox adds to a host that already runs some; the first
# figure charges every page of the code to the one sandbox alone. Needs
# root:
#
#   bench/resident.sh build-bench
set -eu
build="${1:-build-bench}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$(cd "$build" && pwd)/ringfence"
[ -x "$rf" ] || { echo "build $build first (see bench/startup.sh)" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-resident.XXXXXX)"
. "$src/bench/lib.sh"
many="${2:-10}"
names="resident $(seq -f 'resident-%g' 1 $((many - 1)))"
# shellcheck disable=SC2086
bench_on_exit '"$rf" --root "$work/state" delete --force $names >/dev/null 2>&1 || true; bench_cleanup'
bench_rootfs

"$rf" --root "$work/state" run --detach --name resident --read-only --rootfs "$rootfs" -- /bin/sleep 1000 >/dev/null
# The supervisor, and the sandbox's processes that are not the program.
ringfence_pids() {  # NAME: its supervisor and init, not the program
  "$rf" --root "$work/state" inspect "$1" | jq -r '[.supervisor_pid] + .pids | .[]' | while read -r pid; do
    case "$(readlink "/proc/$pid/exe")" in
      "$rf" | "$rf-supervisor" | /memfd:ringfence-exec*) echo "$pid" ;;
    esac
  done
}
rss=0 pss=0
for pid in $(ringfence_pids resident); do
  r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
  p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
  printf '%-8s %-40s RSS %6s KiB  PSS %6s KiB\n' "$pid" "$(readlink "/proc/$pid/exe")" "$r" "$p"
  rss=$((rss + r))
  pss=$((pss + p))
done
echo "ringfence's processes of one running sandbox: RSS $rss KiB, PSS $pss KiB (target: at most 2048 KiB)"

i=1
while [ "$i" -lt "$many" ]; do
  "$rf" --root "$work/state" run --detach --name "resident-$i" --read-only --rootfs "$rootfs" -- /bin/sleep 1000 >/dev/null
  i=$((i + 1))
done
total=0
for name in $names; do
  for pid in $(ringfence_pids "$name"); do
    total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")))
  done
done
echo "with $many running: PSS $((total / many)) KiB per sandbox ($total KiB in all)"
