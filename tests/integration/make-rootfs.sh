#!/bin/sh
# Builds the busybox-static root filesystem the integration tests run in,
# once per build directory. DEST/.complete marks a finished tree and holds
# the SHA-256 of this script and of the busybox it copied: when either
# changes, the tree is built again instead of being reused stale.
#
# Besides busybox and its applets it holds what the tests need: users root,
# nobody and app (1000); and symlinks that point out of the root, absolutely
# and with "..", which a mount must never follow to the host (the
# symlink-escape tests). It holds no setuid file: the tree stays on the host
# in the build directory, where a setuid-root busybox would be a root shell
# for any user who can reach it. The SUID tests install their own setuid
# probe in a copy of the tree, for the length of the test.
set -eu
# Absolute: the script changes directory below, and setup.sh gives a
# relative path (build/rootfs).
case "$1" in /*) dest="$1" ;; *) dest="$PWD/$1" ;; esac
stamp="$dest/.complete"
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
inputs="$(cat "$0" "$busybox" | sha256sum | cut -d' ' -f1)"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ] && exit 0

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cd "$dest.tmp"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home/app data lib run var/tmp
chmod 1777 tmp var/tmp
cp "$busybox" bin/busybox
for applet in $(./bin/busybox --list); do
  [ "$applet" = busybox ] && continue
  ln -s busybox "bin/$applet" 2>/dev/null || true
done
cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
audio:x:29:app
app:x:1000:
nogroup:x:65534:
GROUP
echo "ringfence-test" > etc/hostname
chown 1000:1000 home/app
# Escapes: an absolute symlink to the host's /etc and a relative one that
# climbs out; a bind target resolved through either must stay inside.
ln -s /etc data/host-etc
ln -s ../../../../../../etc data/up-etc
cd ..
echo "$inputs" > "$dest.tmp/.complete"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
