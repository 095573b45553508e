# Shared set-up of the whole-process benchmarks (startup.sh, parallel.sh,
# resident.sh; every bench script's bench_on_exit): sourced, not run. The
# set-ups need root, $src (the checkout), $rf (the ringfence binary) and
# $work (its scratch directory).

# bench_rootfs: the busybox-static rootfs every runtime starts /bin/true
# from, at $work/rootfs. $work is searchable by the containers' mapped root
# (uid 100000 below), which crun and runc let open the rootfs from inside
# the user namespace.
bench_rootfs() {
  chmod 0711 "$work"
  rootfs="$work/rootfs"
  "$src/tests/integration/make-rootfs.sh" "$rootfs"
}

# bench_on_exit COMMAND: runs COMMAND however the script ends, also when a
# signal ends it: a closed pipe (`bench/startup.sh BUILD | head`), Ctrl-C,
# a kill. sh runs an EXIT trap only on exit, and a shell killed by a signal
# never exits: each signal becomes an exit with its 128+N status instead.
bench_on_exit() {
  trap "$1" EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 141' PIPE
  trap 'exit 143' TERM
}

# bench_hugetlb_for_crun: crun refuses a hybrid hierarchy whose cgroup v2
# still holds a controller; on this machine that is hugetlb, which a v1
# mount takes over until the script ends (the caller must pass bench_cleanup
# to bench_on_exit). (cgroup files have no size: test their text, not -s.)
bench_hugetlb_for_crun() {
  hugetlb_mounted=no
  if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
    mkdir -p /sys/fs/cgroup/hugetlb
    mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
    hugetlb_mounted=yes
  fi
}

# Unmounted while something still holds the hierarchy, hugetlb stays bound
# to a hidden v1 hierarchy: every process then lists a hugetlb cgroup no
# mount shows, and containerd's shim, which cannot load it, stops reporting
# OOM kills. So the hierarchy is given back until v2 has hugetlb again.
bench_restore_hugetlb() {
  [ "${hugetlb_mounted:-no}" = yes ] || return 0
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

# bench_bundle DIR SECCOMP(yes|no): an OCI bundle running /bin/true from
# $rootfs under the same policy as profiles/default.toml (exported by
# ringfence itself). The default profile's user namespace gets its ids at
# run time, so the export names no mappings, and runc refuses a user
# namespace without them: every bundle maps the same fixed range.
bench_bundle() {
  mkdir -p "$1"
  "$rf" export --format oci default |
    jq --arg seccomp "$2" --arg rootfs "$rootfs" '. + {root: {path: $rootfs, readonly: true}}
        | .process += {args: ["/bin/true"], terminal: false, user: {uid: 0, gid: 0}, cwd: "/"}
        | .linux += {uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
                     gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}
        | if $seccomp == "no" then del(.linux.seccomp) else . end' > "$1/config.json"
}

# bench_podman: podman with storage, run root and configuration of its own
# under $work (vfs, cgroupfs, no network, file events; limits this host can
# grant without CAP_SYS_RESOURCE) and the busybox rootfs imported as
# localhost/ringfence-bench, offline. Sets $podman to the command, or leaves
# it empty and says why. The runtime is given per run (--runtime).
bench_podman() {
  podman=""
  if ! command -v podman >/dev/null; then
    echo "podman is not installed: its comparison is skipped" >&2
    return 0
  fi
  p="$work/podman"
  mkdir -p "$p"
  # The hard limits of this shell: podman asks for 1048576 open files by
  # default and lowers its own process limit to 32768.
  nofile="$(awk '/^Max open files/ {print $5}' /proc/self/limits)"
  nproc="$(awk '/^Max processes/ {print $4}' /proc/self/limits)"
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  printf '[containers]\nnetns = "none"\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" > "$p/containers.conf"
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s/runroot"\ngraphroot = "%s/root"\n' "$p" "$p" > "$p/storage.conf"
  export CONTAINERS_CONF="$p/containers.conf" CONTAINERS_STORAGE_CONF="$p/storage.conf"
  # podman keeps a blob cache at a fixed path for root; removed at the end
  # only if it was made here.
  podman_blob_cache=/var/lib/containers/cache/blob-info-cache-v1.boltdb
  podman_cache_found=no
  [ -e "$podman_blob_cache" ] && podman_cache_found=yes
  tar -C "$rootfs" -cf "$work/rootfs.tar" .
  cmd="podman --root $p/root --runroot $p/runroot --tmpdir $p/tmp --storage-driver vfs --cgroup-manager cgroupfs --events-backend file"
  if ! $cmd import "$work/rootfs.tar" localhost/ringfence-bench >/dev/null 2>"$work/podman-import.err"; then
    echo "podman cannot import the image: $(cat "$work/podman-import.err")" >&2
    return 0
  fi
  podman="$cmd"
}

# What podman leaves once its containers are gone: mounts under $work, the
# cgroup parent it made in every hierarchy (only empty directories go), and
# its blob cache when this script made it.
bench_podman_cleanup() {
  [ -n "${podman:-}" ] || return 0
  $podman rm -af >/dev/null 2>&1 || true
  awk -v dir="$work/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r target; do
    umount -l "$target" 2>/dev/null || true
  done
  for h in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do
    if [ -d "$h" ]; then find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
  [ "${podman_cache_found:-yes}" = no ] && rm -f "$podman_blob_cache"
  return 0
}

# bench_cleanup: what the set-up above changed on the host, given back.
bench_cleanup() {
  bench_podman_cleanup
  bench_restore_hugetlb
  rm -rf "$work"
}
