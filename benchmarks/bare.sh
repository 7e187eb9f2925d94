#!/usr/bin/env bash
# The bare procedure: a three-node DAOS cluster started by hand with the docker CLI, as the
# DAOS vcluster helper does it, on the images and with the configuration files a plugin run
# used. Every step prints "step NAME START END" (epoch seconds); everything it made is
# removed at the end (containers, the engine's hugepage files, vm.nr_hugepages, hugetlbfs).
#
#   bash benchmarks/bare.sh FOLDER
#
# FOLDER holds settings.sh (SERVER_IMAGE ADMIN_IMAGE CLIENT_IMAGE CONFIG_DIR IP PRIVILEGED
# CAP_DROP HUGEPAGES POOL_SIZE), daos_server.yml, daos_control.yml, daos_agent.yml and
# server.env, admin.env, client.env (written by benchmarks/capture.py). Run as root.
set -euo pipefail

folder=$(cd "$1" && pwd)
# shellcheck source=/dev/null
source "$folder/settings.sh"
prefix=pytest-daos-bench-bare
poll=0.25
exec 3>&1  # the step lines, whatever a step's own output is redirected to

step() {  # step NAME COMMAND...: run it, print its bounds
    local name=$1 start end
    shift
    start=$EPOCHREALTIME
    "$@"
    end=$EPOCHREALTIME
    echo "step $name $start $end" >&3
}

until_ok() {  # until_ok COMMAND...: repeat until it succeeds
    until "$@" >/dev/null 2>&1; do sleep "$poll"; done
}

dmg() {
    docker exec "$prefix-admin" dmg -j -o "$CONFIG_DIR/daos_control.yml" "$@"
}

joined() {
    local out
    out=$(dmg system query 2>/dev/null) || return 1
    grep -q '"state": "joined"' <<<"$out" && ! grep '"state":' <<<"$out" | grep -qv joined
}

# -- hugepages, as the plugin reserves them ------------------------------------------------
old_nr=$(cat /proc/sys/vm/nr_hugepages)
mounted_here=0
before=$(mktemp)
cleanup() {
    local start=$EPOCHREALTIME
    docker rm -f "$prefix-client" "$prefix-admin" "$prefix-server" >/dev/null 2>&1 || true
    local end=$EPOCHREALTIME
    echo "step remove $start $end" >&3
    start=$EPOCHREALTIME
    # the engine's hugepage files (SPDK's spdk_pid<PID>map_<N>, one per page) made since
    ls /dev/hugepages 2>/dev/null | grep '^spdk_pid' | sort |
        comm -13 <(sort "$before") - | (cd /dev/hugepages && xargs -r rm -f)
    rm -f "$before"
    sysctl -q -w vm.nr_hugepages="$old_nr"
    if [ "$mounted_here" = 1 ]; then umount /dev/hugepages; fi
    echo "step give back $start $EPOCHREALTIME" >&3
}
trap cleanup EXIT

hugepages() {
    if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
        mkdir -p /dev/hugepages
        mount -t hugetlbfs nodev /dev/hugepages
        mounted_here=1
    fi
    local free
    free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
    if [ "$free" -lt "$HUGEPAGES" ]; then
        sysctl -q -w vm.nr_hugepages=$((old_nr + HUGEPAGES - free))
    fi
    ls /dev/hugepages >"$before"
}
step hugepages hugepages

# -- the three nodes -----------------------------------------------------------------------
security=(--privileged)
if [ "$PRIVILEGED" != 1 ]; then
    security=(--cap-add ALL --security-opt seccomp=unconfined
              --security-opt apparmor=unconfined --security-opt systempaths=unconfined)
    for cap in $CAP_DROP; do security+=(--cap-drop "$cap"); done
fi
common=(-d --network host --tmpfs /run --init "${security[@]}"
        --add-host "daos-server:$IP" --add-host "daos-admin:$IP" --add-host "daos-client:$IP"
        --entrypoint /bin/sh)
entry=(-c 'mkdir -p /var/run/daos_server /var/run/daos_agent && exec "$@"' sh)

step "run server" docker run "${common[@]}" --name "$prefix-server" --hostname daos-server \
    --env-file "$folder/server.env" -v /dev/hugepages:/dev/hugepages \
    -v "$folder/daos_server.yml:$CONFIG_DIR/daos_server.yml:ro" \
    "$SERVER_IMAGE" "${entry[@]}" daos_server start -o "$CONFIG_DIR/daos_server.yml" >/dev/null
step "run admin" docker run "${common[@]}" --name "$prefix-admin" --hostname daos-admin \
    --env-file "$folder/admin.env" \
    -v "$folder/daos_control.yml:$CONFIG_DIR/daos_control.yml:ro" \
    "$ADMIN_IMAGE" "${entry[@]}" sleep infinity >/dev/null
step "run client" docker run "${common[@]}" --name "$prefix-client" --hostname daos-client \
    --env-file "$folder/client.env" --device /dev/fuse \
    -v "$folder/daos_agent.yml:$CONFIG_DIR/daos_agent.yml:ro" \
    "$CLIENT_IMAGE" "${entry[@]}" daos_agent -o "$CONFIG_DIR/daos_agent.yml" >/dev/null

# -- DAOS: control plane, format, join, a pool and a container -----------------------------
step "storage scan" until_ok dmg storage scan
step "storage format" dmg storage format >/dev/null
step "wait joined" until_ok joined
step "system query" dmg system query >/dev/null
create_pool() {
    local out
    out=$(dmg pool create "--size=$POOL_SIZE" bench_bare_pool)
    pool=$(sed -n 's/^ *"uuid": "\([0-9a-f-]*\)".*/\1/p' <<<"$out" | head -n 1)
    [ -n "$pool" ] || { echo "bare.sh: pool create gave no uuid: $out" >&2; return 1; }
}
pool=
step "pool create" create_pool
step "container create" docker exec "$prefix-client" daos -j container create "$pool" \
    --type=POSIX >/dev/null
