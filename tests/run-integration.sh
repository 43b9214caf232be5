#!/bin/bash
# tests/run-integration.sh - bring up the rig with the freshly built binaries
# (CTGATE_BIN_DIR) and run the integration suites (tests/integration/*.sh);
# fail if any fails.
# Usage: tests/run-integration.sh [TEST_NAME ...]
#
# The rig has three lanes (rig.sh): LXD's, proxmox's (the agent on its proxmox
# backend against tests/pve-sim) and pool's (LXD with a warm pool of each
# template, in an LXD project of its own).  Without names and without
# CTGATE_BACKEND or CTGATE_POOL, they run at once, each its suites one after
# another, their lines prefixed [lxd], [pve] and [pool]: on LXD every suite but
# proxmox.sh; on proxmox the suites about what every backend must do
# (PROXMOX_SUITES) and proxmox.sh, then on the pool lane the create suites
# again (POOL_SUITES: a create claims a pooled container there).  The suites
# that stop or restart what the lanes share, or count what all of them do
# (SERIAL_SUITES: slapd, LXD, the rig itself), run after them, alone.  With CTGATE_BACKEND (lxd or proxmox) or
# CTGATE_POOL=1, only that lane runs, its suites or the ones named.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/rig.sh" up || exit 1

PROXMOX_SUITES="agent-create gateway-create power agent-rollback crash idempotency publish quota reap reconcile proxmox"
POOL_SUITES="agent-create gateway-create agent-rollback crash idempotency publish quota power reap reconcile debian-login"
# hang and keys-admit stop slapd or LXD, throttle counts binds in slapd's log (all lanes
# bind), rig-recover takes the rig down.
SERIAL_SUITES="hang keys-admit throttle rig-recover"

lxd_suites() { # every suite but proxmox.sh (Proxmox alone) and, when $1 is given, the serial ones
    local t
    for t in "$here"/integration/*.sh; do
        t=$(basename "$t" .sh)
        [ "$t" = proxmox ] && continue
        [ -n "${1:-}" ] && [[ " $SERIAL_SUITES " == *" $t "* ]] && continue
        echo "$t"
    done
}

run_suites() { # LANE SUITE...: one after another in that lane; the failed ones into $failed_file
    local lane=$1 t start backend=$1 pool=0
    shift
    [ "$lane" = pool ] && backend=lxd pool=1
    for t in "$@"; do
        echo "=== $t ($lane)"
        start=$(date +%s)
        if CTGATE_BACKEND=$backend CTGATE_POOL=$pool bash "$here/integration/$t.sh"; then
            echo "=== $t passed ($(($(date +%s) - start))s)"
        else
            echo "=== $t FAILED"
            echo "$t ($lane)" >>"$failed_file"
        fi
    done
}

failed_file=$(mktemp /tmp/ctgate-integration.XXXXXX)
trap 'rm -f "$failed_file"' EXIT
total=0
if [ $# -gt 0 ] || [ -n "${CTGATE_BACKEND:-}" ] || [ "${CTGATE_POOL:-0}" = 1 ]; then
    lane=${CTGATE_BACKEND:-lxd}
    [ "${CTGATE_POOL:-0}" = 1 ] && lane=pool
    tests=("$@")
    if [ ${#tests[@]} -eq 0 ]; then
        case $lane in
        proxmox) read -ra tests <<<"$PROXMOX_SUITES" ;;
        pool) read -ra tests <<<"$POOL_SUITES" ;;
        *) mapfile -t tests < <(lxd_suites) ;;
        esac
    fi
    total=${#tests[@]}
    run_suites "$lane" "${tests[@]}"
else
    mapfile -t lxd < <(lxd_suites without-serial)
    read -ra pve <<<"$PROXMOX_SUITES"
    read -ra pool <<<"$POOL_SUITES"
    read -ra serial <<<"$SERIAL_SUITES"
    total=$((${#lxd[@]} + ${#pve[@]} + ${#pool[@]} + ${#serial[@]}))
    start=$(date +%s)
    echo "=== the lanes at once: ${#lxd[@]} suites on lxd; ${#pve[@]} on proxmox, then ${#pool[@]} on pool"
    run_suites lxd "${lxd[@]}" 2>&1 | sed -u 's/^/[lxd] /' &
    lxd_pid=$!
    { run_suites proxmox "${pve[@]}" 2>&1 | sed -u 's/^/[pve] /'
      run_suites pool "${pool[@]}" 2>&1 | sed -u 's/^/[pool] /'; } &
    other_pid=$!
    wait "$lxd_pid" "$other_pid"
    echo "=== the lanes are done ($(($(date +%s) - start))s); alone now: ${serial[*]}"
    run_suites lxd "${serial[@]}"
fi
echo
mapfile -t failed <"$failed_file"
if [ ${#failed[@]} -gt 0 ]; then
    echo "integration: ${#failed[@]} of $total FAILED: ${failed[*]}"
    exit 1
fi
echo "integration: all $total passed"
