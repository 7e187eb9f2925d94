#!/usr/bin/env bash
# Prepare this host for pytest-daos's own tests and examples:
#   1. a Docker engine: where none answers and we are root on Debian/Ubuntu, install
#      Debian's engine (docker.io) and start dockerd in the background;
#   2. the base image of the `sim` recipe, made offline from Debian packages (mmdebstrap +
#      docker import) where it is missing: no container registry is needed.
#   3. the base image of the `local` recipe (a minimal Debian without DAOS's libraries),
#      made the same way where it is missing;
#   4. what the sim's own tests need on the host: libfuse2 (for fusepy) and fusermount3.
# The base images are named under localhost/, a name no registry serves: Docker never pulls
# someone else's image in their place. Where only the name older versions made is there
# (pytest-daos/...-base:bookworm, imported here: no registry digest, our label), it is
# tagged with the new name.
# Idempotent: when all is there it only checks, in a second or two, and changes nothing.
set -euo pipefail

SIM_BASE_IMAGE="${PYTEST_DAOS_SIM_BASE_IMAGE:-localhost/pytest-daos/sim-base:bookworm}"
SIM_BASE_PACKAGES="python3,python3-yaml,python3-fusepy,fuse3,mount,procps"
LOCAL_BASE_IMAGE="${PYTEST_DAOS_LOCAL_BASE_IMAGE:-localhost/pytest-daos/local-base:bookworm}"
DOCKERD_LOG="${PYTEST_DAOS_DOCKERD_LOG:-/var/log/pytest-daos-dockerd.log}"
ENGINE_WAIT=60

say() { echo "host-setup: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
engine_answers() { docker info >/dev/null 2>&1; }

apt_updated=no
apt_install() {
    command -v apt-get >/dev/null || die "no apt-get here: install $* by hand"
    is_root || die "installing $* needs root: sudo bash $0"
    if [ "$apt_updated" = no ]; then
        say "apt-get update"
        apt-get update -qq
        apt_updated=yes
    fi
    say "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_engine() {
    engine_answers && return 0
    is_root || die "no Docker engine answers: start it (sudo systemctl start docker) or run this script as root"
    command -v dockerd >/dev/null || apt_install docker.io
    if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null && engine_answers; then
        say "started docker.service"
        return 0
    fi
    say "starting dockerd in the background (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    nohup dockerd >>"$DOCKERD_LOG" 2>&1 &
    for _ in $(seq "$ENGINE_WAIT"); do
        engine_answers && { say "Docker engine $(docker version --format '{{.Server.Version}}') answers"; return 0; }
        sleep 1
    done
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    die "dockerd did not answer within ${ENGINE_WAIT}s (log above: $DOCKERD_LOG)"
}

# The Debian mirror apt uses here (deb822 .sources files or a classic sources.list).
debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v security | head -n 1 || true)
    if [ -z "$uri" ]; then
        uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# adopt_old_name IMAGE LABEL: where IMAGE (localhost/NAME) is missing and NAME is there as
# this script made it before (imported: no registry digest; labelled LABEL), tag it IMAGE.
adopt_old_name() {
    local image=$1 label=$2 old=${1#localhost/}
    [ "$old" != "$image" ] || return 0
    docker image inspect "$image" >/dev/null 2>&1 && return 0
    local found
    found=$(docker image inspect --format \
        '{{len .RepoDigests}} {{index .Config.Labels "org.pytest-daos.base"}}' "$old" 2>/dev/null) || return 0
    if [ "$found" != "0 $label" ]; then
        say "leaving $old alone: not the image this script imports (pulled, or without our label)"
        return 0
    fi
    docker tag "$old" "$image"
    say "tagged $old, made by an older version of this script, as $image"
}

# import_debian IMAGE VARIANT PACKAGES LABEL: a Debian image of this host's release, made
# offline from Debian packages (mmdebstrap) and imported, where IMAGE is missing.
import_debian() {
    local image=$1 variant=$2 packages=$3 label=$4
    adopt_old_name "$image" "$label"
    docker image inspect "$image" >/dev/null 2>&1 && return 0
    command -v mmdebstrap >/dev/null || apt_install mmdebstrap
    local suite mirror work
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    mirror=$(debian_mirror)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    say "making $image offline: mmdebstrap $suite ($variant${packages:+, $packages}) from $mirror"
    mmdebstrap --quiet --variant="$variant" ${packages:+--include="$packages"} \
        "$suite" "$work/rootfs.tar" "$mirror"
    docker import --change 'CMD ["/bin/bash"]' \
        --change "LABEL org.pytest-daos.base=$label" \
        --message "pytest-daos $label base image ($suite, $variant${packages:+, $packages})" \
        "$work/rootfs.tar" "$image" >/dev/null
    say "imported $image"
}

ensure_fuse() {
    local missing=()
    ldconfig -p 2>/dev/null | grep -q 'libfuse\.so\.2' || missing+=(libfuse2)
    command -v fusermount3 >/dev/null || missing+=(fuse3)
    [ ${#missing[@]} = 0 ] || apt_install "${missing[@]}"
}

ensure_engine
import_debian "$SIM_BASE_IMAGE" apt "$SIM_BASE_PACKAGES" sim
import_debian "$LOCAL_BASE_IMAGE" minbase "" local
ensure_fuse
