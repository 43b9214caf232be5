#!/bin/bash
# bench/create-vs-raw.sh - one ctgate create (agent through sshd, as the gateway
# sends it) against the same container made directly through LXD's REST API
# (create, start, wait for IPv4), alternating, N pairs (default 7), in one run.
# Prints each pair, the medians and their ratio.  Needs the rig (tests/rig.sh up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
eval "$("$here/../tests/rig.sh" env)"
pairs=${1:-7}
[ "$pairs" -ge 5 ] || { echo "need at least 5 pairs" >&2; exit 2; }
run=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
key=$(cat "$CTGATE_KEY_alice.pub")

api() { curl -sf --max-time 60 --unix-socket "$CTGATE_LXD_SOCKET" "$@"; }
wait_op() { api "http://lxd$1/wait?timeout=60" >/dev/null; }
now_ms() { date +%s%3N; }

raw_create() { # name
    local op
    op=$(api -X POST -H 'Content-Type: application/json' "http://lxd/1.0/instances" \
        -d "{\"name\":\"$1\",\"source\":{\"type\":\"image\",\"alias\":\"$CTGATE_IMAGE_ALIAS\"}}" | jq -r .operation)
    wait_op "$op"
    op=$(api -X PUT -H 'Content-Type: application/json' "http://lxd/1.0/instances/$1/state" \
        -d '{"action":"start","timeout":30}' | jq -r .operation)
    wait_op "$op"
    for _ in $(seq 300); do
        api "http://lxd/1.0/instances/$1/state" |
            jq -e '[.metadata.network.eth0.addresses[]? | select(.family=="inet")] | length > 0' >/dev/null && return 0
        sleep 0.05
    done
    echo "raw create of $1: no IPv4" >&2; return 1
}

ctgate_create() { # name
    printf '{"v":1,"op":"create","caller":{"uid":"alice","uid_number":10001},"hostname":"%s","template":"busybox","pubkey":"%s"}\n' "$1" "$key" |
        ssh -T -i "$CTGATE_GATEWAY_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
            -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" \
            "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" | tail -n 1 | jq -e .ok >/dev/null
}

ctgate_delete() {
    printf '{"v":1,"op":"delete","caller":{"uid":"alice","uid_number":10001},"hostname":"%s"}\n' "$1" |
        ssh -T -i "$CTGATE_GATEWAY_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
            -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" \
            "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

c_times=(); r_times=()
printf '%-4s %10s %10s\n' pair ctgate_ms raw_ms
for i in $(seq "$pairs"); do
    c=bench$run-c$i; r=bench$run-r$i
    t0=$(now_ms); ctgate_create "$c"; t1=$(now_ms)
    raw_create "$r"; t2=$(now_ms)
    c_times+=($((t1 - t0))); r_times+=($((t2 - t1)))
    printf '%-4s %10s %10s\n' "$i" $((t1 - t0)) $((t2 - t1))
    ctgate_delete "$c"
    LXD_DIR=$CTGATE_LXD_DIR lxc delete --force "$r" >/dev/null
done
cm=$(printf '%s\n' "${c_times[@]}" | median)
rm_=$(printf '%s\n' "${r_times[@]}" | median)
echo "median: ctgate create ${cm} ms (ssh + agent: reserve, clone, start, IPv4, account, key, password)"
echo "median: raw LXD API create+start+IPv4 ${rm_} ms"
awk -v c="$cm" -v r="$rm_" 'BEGIN {printf "ratio ctgate/raw: %.2f\n", c / r}'
