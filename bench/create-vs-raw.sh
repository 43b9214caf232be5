#!/bin/bash
# bench/create-vs-raw.sh - one ctgate create (agent through sshd, as the gateway
# sends it) against the same container made directly through LXD's REST API
# (create, start, wait for IPv4), alternating, N pairs (default 7), in one run.
# Prints each pair, the medians and their ratio.  Needs the rig (tests/rig.sh up).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=${1:-7}
[ "$pairs" -ge 5 ] || { echo "need at least 5 pairs" >&2; exit 2; }
key=$(cat "$CTGATE_KEY_alice.pub")

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

compare_creates "$pairs" "bench$run" ctgate ctgate_create ctgate_delete raw raw_create raw_delete
cm=$MEDIAN_A
rm_=$MEDIAN_B
echo "median: ctgate create ${cm} ms (ssh + agent: reserve, clone, start, IPv4, account, key, password, publish)"
echo "median: raw LXD API create+start+IPv4 ${rm_} ms"
echo "ratio ctgate/raw: $(ratio "$cm" "$rm_")"
