#!/bin/sh
# Install the Debian packages sysward needs to build and test, skipping what is present.
set -eu
pkgs="build-essential pkg-config libseccomp-dev libunwind-dev libcmocka-dev pandoc python3 \
      iproute2 util-linux clang"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or install them yourself)" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing || { apt-get update && apt-get install -y --no-install-recommends $missing; }
