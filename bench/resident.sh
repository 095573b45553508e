#!/bin/sh
# What a running sandbox costs while it runs (issue 14, target 2): a
# detached sandbox running `sleep` under profiles/default.toml, and the
# resident (RSS) and proportional (PSS) set sizes of every process of
# ringfence's that stays for it — its supervisor, and its init
# (ringfence-exec, from a sealed memfd) — not of the program itself.
# Target: at most 2 MiB together. Needs root:
#
#   bench/resident.sh build-bench
set -eu
build="${1:-build-bench}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$(cd "$build" && pwd)/ringfence"
[ -x "$rf" ] || { echo "build $build first (see bench/startup.sh)" >&2; exit 1; }
work="$(mktemp -d /tmp/ringfence-resident.XXXXXX)"
. "$src/bench/lib.sh"
trap '"$rf" --root "$work/state" delete --force resident >/dev/null 2>&1 || true; bench_cleanup' EXIT
bench_rootfs

"$rf" --root "$work/state" run --detach --name resident --read-only --rootfs "$rootfs" -- /bin/sleep 1000 >/dev/null
# The supervisor, and the sandbox's processes that are not the program.
pids=$("$rf" --root "$work/state" inspect resident | jq -r '[.supervisor_pid] + .pids | .[]')
rss=0 pss=0
for pid in $pids; do
  exe=$(readlink "/proc/$pid/exe")
  case "$exe" in
    "$rf" | /memfd:ringfence-exec*) ;;
    *) continue ;;
  esac
  r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
  p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
  printf '%-8s %-40s RSS %6s KiB  PSS %6s KiB\n' "$pid" "$exe" "$r" "$p"
  rss=$((rss + r))
  pss=$((pss + p))
done
echo "ringfence's processes of one running sandbox: RSS $rss KiB, PSS $pss KiB (target: at most 2048 KiB)"
