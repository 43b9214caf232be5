#!/bin/bash
# bench/list-scale.sh [N] - an admin's `list` when the backend holds N ctgate containers
# (default 5000): issue 16.2 asks that it works and that no one container's state is read.
# Makes N empty LXD instances (source "none": no rootfs, never started) that carry ctgate's
# metadata, so LXD and the agent see N ctgate containers; times dave's (an admin's)
# `ssh create-container@gw list --json` against LXD's own `GET /1.0/instances?recursion=1`
# (the call the agent makes), alternating 3 pairs; prints the sizes; removes the instances.
# Creating 5000 takes LXD about 6-7 minutes here, removing them as long: not for CI.
# Needs the rig (tests/rig.sh up).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${1:-5000}
prefix=bls$run
out=$(mktemp)
trap 'rm -f "$out"' EXIT

make_one() { # index
    api -X POST -H 'Content-Type: application/json' "http://lxd/1.0/instances" -d \
        "{\"name\":\"$prefix-$1\",\"source\":{\"type\":\"none\"},\"config\":{
          \"user.ctgate.owner\":\"bench-scale\",\"user.ctgate.request_id\":\"$prefix$1\",
          \"user.ctgate.created\":\"2026-01-01T00:00:00Z\",\"user.ctgate.template\":\"busybox\"}}" |
        jq -r .operation
}
remove_one() { api -X DELETE "http://lxd/1.0/instances/$prefix-$1" | jq -r .operation; }
export -f api make_one remove_one
export prefix CTGATE_LXD_SOCKET
each() { # function: runs it for 0..n-1, 4 at a time, then waits for every operation
    seq 0 $((n - 1)) | xargs -P 4 -I{} bash -c "$1 {}" | while read -r op; do
        [ "$op" = null ] || wait_op "$op"
    done
}
cleanup() { echo "removing the $n instances"; each remove_one; rm -f "$out"; }
trap cleanup EXIT

t0=$(now_ms)
each make_one
echo "made $n empty ctgate instances in $(($(now_ms) - t0)) ms"

admin_list() {
    password_of() { eval echo "\$CTGATE_PASSWORD_$1"; }
    password_of dave | ssh -T -i "$CTGATE_KEY_dave" -o IdentitiesOnly=yes -o BatchMode=yes \
        -F /dev/null -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" \
        "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" list --json --user dave --password-stdin >"$out"
}
raw_list() { api "http://lxd/1.0/instances?recursion=1" >/dev/null; }
a=() b=()
printf '%-4s %14s %14s\n' pair gateway_ms lxd_ms
for i in 1 2 3; do
    t0=$(now_ms); admin_list; t1=$(now_ms); raw_list; t2=$(now_ms)
    a+=($((t1 - t0))); b+=($((t2 - t1)))
    printf '%-4s %14s %14s\n' "$i" $((t1 - t0)) $((t2 - t1))
done
shown=$(jq "[.data.containers[] | select(.name | startswith(\"$prefix-\"))] | length" "$out")
echo "the admin's list shows $shown of the $n (and $(jq '.data.containers | length' "$out") in all)"
echo "answer: $(wc -c <"$out") bytes at the gateway; LXD's list: $(api "http://lxd/1.0/instances?recursion=1" | wc -c) bytes"
ma=$(printf '%s\n' "${a[@]}" | median) mb=$(printf '%s\n' "${b[@]}" | median)
echo "median: gateway list ${ma} ms; LXD list ${mb} ms; ratio $(ratio "$ma" "$mb")"
[ "$shown" = "$n" ]
