#!/usr/bin/env bash
# Unpack the real DAOS install trees the real-DAOS tier (tests/real) runs on, and install
# the Debian packages whose libraries they load (the local recipe finds those libraries
# with this host's loader):
#   bash scripts/real-daos.sh [BUILD_DIR]
# BUILD_DIR holds daos-<version>.tar.zst.part-*, SHA256SUMS and runtime-packages.txt
# (default: ../shared/daos/build beside this repository). Each tree unpacks to its own
# path (/opt/daos for 2.6.5, /opt/daos-2.4.2), checked against its sum first. Where
# BUILD_DIR does not exist it says so and changes nothing: the tier then skips itself.
# Idempotent: a tree already unpacked (its lib64/daos/VERSION says so) is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${1:-../shared/daos/build}"
say() { echo "real-daos: $*" >&2; }

if [ ! -d "$BUILD_DIR" ]; then
    say "no DAOS builds in $BUILD_DIR: the real-DAOS tier will not run"
    exit 0
fi
[ "$(id -u)" = 0 ] || { say "ERROR: unpacking to /opt needs root: sudo bash $0"; exit 1; }

apt_updated=no
apt_install() {
    if [ "$apt_updated" = no ]; then apt-get update -qq; apt_updated=yes; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# tree_prefix VERSION: where the tree of VERSION unpacks (its top folder in the tarball)
tree_prefix() { [ "$1" = 2.6.5 ] && echo /opt/daos || echo "/opt/daos-$1"; }

for parts in "$BUILD_DIR"/daos-*.tar.zst.part-0; do
    [ -e "$parts" ] || continue
    version=$(basename "$parts" .tar.zst.part-0); version=${version#daos-}
    prefix=$(tree_prefix "$version")
    if [ "$(cat "$prefix/lib64/daos/VERSION" 2>/dev/null)" = "$version" ]; then
        say "DAOS $version is in $prefix"
        continue
    fi
    command -v zstd >/dev/null || apt_install zstd
    work=$(mktemp -d)
    cat "$BUILD_DIR/daos-$version.tar.zst.part-"* > "$work/daos.tar.zst"
    want=$(awk -v name="daos-$version.tar.zst" '$2 == name {print $1}' "$BUILD_DIR/SHA256SUMS")
    have=$(sha256sum "$work/daos.tar.zst" | cut -d' ' -f1)
    if [ -z "$want" ] || [ "$want" != "$have" ]; then
        rm -rf "$work"
        say "ERROR: daos-$version.tar.zst has sha256 $have, SHA256SUMS says '${want:-nothing}'"
        exit 1
    fi
    mkdir -p /opt
    zstd -dc "$work/daos.tar.zst" | tar -C /opt -xf -
    rm -rf "$work"
    say "unpacked DAOS $version to $prefix"
done

missing=()
for package in $(cat "$BUILD_DIR/runtime-packages.txt"); do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing the libraries the trees load: ${missing[*]}"
    apt_install "${missing[@]}"
fi
