#!/bin/sh
# Images, measured against what they replace (issue 13):
#
# 1. import: `ringfence image import` of a 100 MiB two-layer OCI layout
#    (busybox plus 100 files of 1 MiB of random bytes, incompressible)
#    against `sha256sum` of its blobs followed by `tar -x` of its layers,
#    plain and gzip-compressed, in the same run. ringfence hashes while it
#    unpacks (one read per blob) and also verifies the diff_ids; the baseline
#    verifies nothing it unpacks. Target: at most 1.3x.
# 2. start: `run --image` against `run --rootfs` on the same tree, /bin/true
#    under the default profile. Target: within 2 ms.
# 3. sharing: a second image with the same lower layers and its own 1 MiB top
#    layer imports only that layer.
#
# Needs root, hyperfine and jq, and a Release build:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRINGFENCE_BUILD_TESTS=OFF
#   cmake --build build-bench -j2 --target ringfence
#   bench/image.sh build-bench [ROUNDS]
set -eu
build="${1:-build-bench}"
rounds="${2:-10}"
src="$(cd "$(dirname "$0")/.." && pwd)"
rf="$(cd "$build" && pwd)/ringfence"
[ -x "$rf" ] || { echo "build $build first (see the top of this script)" >&2; exit 1; }
work="$(mktemp -d /var/tmp/ringfence-image-bench.XXXXXX)"
. "$src/bench/lib.sh"
bench_on_exit 'rm -rf "$work"'
bench_rootfs >/dev/null

mkdir -p "$work/payload/data" "$work/top"
i=0
while [ $i -lt 100 ]; do
  head -c 1048576 /dev/urandom > "$work/payload/data/f$i"
  i=$((i + 1))
done
head -c 1048576 /dev/urandom > "$work/top/extra"
make_image() { python3 "$src/tests/tools/make-image.py" --config-json '{"Cmd":["/bin/true"]}' "$@" >/dev/null; }
make_image --layer "$rootfs" --layer "$work/payload" --name big:plain "$work/plain"
make_image --layer "$rootfs" --layer "$work/payload" --name big:gzip --compress gzip "$work/gzip"
make_image --layer "$rootfs" --layer "$work/payload" --layer "$work/top" --name big:top "$work/top-image"

echo "$($rf --version 2>&1 | head -1); kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $work on $(df -T "$work" | awk 'NR==2 {print $2}'), $rounds rounds"
echo "image: $(du -sm "$work/plain/blobs" | cut -f1) MiB plain, $(du -sm "$work/gzip/blobs" | cut -f1) MiB gzip"

# The layers in order, from the manifest.
layers() {
  manifest=$(jq -r '.manifests[0].digest' "$1/index.json" | cut -d: -f2)
  jq -r '.layers[].digest' "$1/blobs/sha256/$manifest" | sed "s|sha256:|$1/blobs/sha256/|"
}

ratio() {  # mean of command 2 / mean of command 1 in hyperfine's JSON
  jq -r '.results as $r | "\($r[1].mean / $r[0].mean * 1000 | round / 1000)"' "$1"
}

for kind in plain gzip; do
  flag=""
  [ $kind = gzip ] && flag="z"
  untar=""
  for l in $(layers "$work/$kind"); do untar="$untar && tar -x${flag}f $l -C $work/x"; done
  hyperfine --style basic --runs "$rounds" --warmup 1 --export-json "$work/import-$kind.json" \
    --prepare "rm -rf $work/store $work/x && mkdir $work/x" \
    -n "sha256sum + tar -x$flag" "sha256sum $work/$kind/blobs/sha256/* >/dev/null $untar" \
    -n "ringfence image import" "$rf image --store $work/store import -q $work/$kind" >/dev/null
  echo "import ($kind): sha256sum + tar $(jq -r '.results[0].mean * 1000 | round' "$work/import-$kind.json") ms," \
       "ringfence $(jq -r '.results[1].mean * 1000 | round' "$work/import-$kind.json") ms: $(ratio "$work/import-$kind.json")x (target <= 1.3x)"
done

# The store now holds big:gzip; its tree is what --rootfs gets too.
rm -rf "$work/store"
"$rf" image --store "$work/store" import -q "$work/plain" >/dev/null
tree=$("$rf" image --store "$work/store" inspect big:plain | jq -r '.[0].root')
hyperfine --style basic -N --runs $((rounds * 10)) --warmup 5 --export-json "$work/start.json" \
  -n "run --rootfs" "$rf --root $work/state run --rootfs $tree -- /bin/true" \
  -n "run --image" "$rf --root $work/state run --store $work/store --image big:plain -- /bin/true" >/dev/null
echo "start: --rootfs $(jq -r '.results[0].mean * 1e6 | round / 1000' "$work/start.json") ms, --image" \
     "$(jq -r '.results[1].mean * 1e6 | round / 1000' "$work/start.json") ms: +$(jq -r '(.results[1].mean - .results[0].mean) * 1e6 | round / 1000' "$work/start.json") ms (target <= 2 ms)"

out=$("$rf" image --store "$work/store" import --format json "$work/top-image")
echo "sharing: the second image unpacked $(echo "$out" | jq .layers_unpacked) layer(s), reused $(echo "$out" | jq .layers_reused)"
