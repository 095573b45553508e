#!/bin/sh
# Gives ringfence a range of subordinate ids of its own, as podman's
# --userns=auto has its "containers" user: every sandbox root starts with an
# automatic user namespace (the host-root default, `strict`) gets a block of
# 65536 ids from it, never one that belongs to a local user. Idempotent.
#
# The range starts at 2^31 (above what useradd hands out, 100000..600100000,
# and above sssd's id mapping) unless something there already belongs to
# someone; then it follows the highest range in use.
set -eu
user=ringfence
count=1073741824   # 16384 sandboxes at once

if [ "$(id -u)" -ne 0 ]; then
  echo "ringfence: as root, scripts/configure-host.sh would add the user '$user' and its subordinate ids" >&2
  exit 0
fi
if ! getent passwd "$user" >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "ringfence sandboxes' subordinate ids" "$user"
fi
has_range() { grep -q "^$user:" "$1" 2>/dev/null; }
if has_range /etc/subuid && has_range /etc/subgid; then
  exit 0
fi
touch /etc/subuid /etc/subgid
start=$(cat /etc/subuid /etc/subgid | awk -F: -v want=2147483648 -v count=$count '
  NF == 3 { s = $2 + 0; e = s + $3; if (s < want + count && want < e) clash = 1; if (e > top) top = e }
  END {
    if (!clash) { print want; exit }
    top = int((top + 65535) / 65536) * 65536
    print top
  }')
if [ "$start" -gt $((4294967295 - count)) ]; then
  echo "ringfence: no room left for a subordinate range of $count ids; add one for '$user' by hand" >&2
  exit 1
fi
end=$((start + count - 1))
usermod --add-subuids "$start-$end" --add-subgids "$start-$end" "$user"
echo "ringfence: subordinate ids $start-$end given to the user '$user' (/etc/subuid, /etc/subgid)" >&2
