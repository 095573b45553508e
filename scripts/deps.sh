#!/bin/sh
# Installs every Debian 12 package ringfence needs to build, test and
# benchmark. Idempotent: it only calls apt-get when something is missing.
set -eu

packages="
  g++ make cmake pkg-config git ca-certificates
  libseccomp-dev libcap-ng-dev libapparmor-dev libselinux1-dev
  libtoml11-dev libcli11-dev nlohmann-json3-dev libfmt-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libarchive-dev
  clang libclang-rt-dev
  busybox-static procps apparmor uidmap iproute2 python3 python3-jsonschema zstd strace
  crun runc bubblewrap hyperfine
  podman containerd docker.io
"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "ringfence: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "ringfence: run as root (or install sudo) to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing
