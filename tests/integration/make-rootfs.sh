#!/bin/sh
# Builds the busybox-static root filesystem the integration tests run in,
# once per build directory: DEST/.complete marks a finished tree.
#
# Besides busybox and its applets it holds what the tests need: users root,
# nobody and app (1000); a setuid-root copy of busybox (the SUID tests); and
# symlinks that point out of the root, absolutely and with "..", which a
# mount must never follow to the host (the symlink-escape tests).
set -eu
dest="$1"
stamp="$dest/.complete"
[ -f "$stamp" ] && exit 0
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

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
# A setuid-root shell: no shipped profile but privileged may let it give euid 0.
cp bin/busybox bin/suid-busybox
chmod 4755 bin/suid-busybox
# Escapes: an absolute symlink to the host's /etc and a relative one that
# climbs out; a bind target resolved through either must stay inside.
ln -s /etc data/host-etc
ln -s ../../../../../../etc data/up-etc
cd ..
touch "$dest.tmp/.complete"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
