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

# bench_cleanup: what the set-up above changed on the host, given back.
bench_cleanup() {
  bench_restore_hugetlb
  rm -rf "$work"
}
