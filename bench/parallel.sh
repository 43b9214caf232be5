#!/bin/bash
# bench/parallel.sh [N] - N creates through the gateway in parallel vs the same N in
# sequence (wall time), and vs N raw LXD API creates in parallel (create, start,
# IPv4), all in one run.  Default N=16; SEQUENCE=0 leaves the sequence out.
# Everything is deleted afterwards.  Prints the wall times, their ratios, the
# throughput (creates a second) and the collisions among the parallel gateway
# creates: names, external SSH ports and addresses given twice (must be 0).
# Needs the rig.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${1:-16}

answers=$(mktemp -d)
# Whatever a failed run left (a create that failed midway stops the script): removed on exit.
leftovers() {
    rm -rf "$answers"
    LXD_DIR=$CTGATE_LXD_DIR lxc list -c n --format csv 2>/dev/null | grep -E "^bp[spr]$run-" |
        while read -r name; do raw_delete "$name" 2>/dev/null || true; done
}
trap leftovers EXIT
gw_create() {
    ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --json >"$answers/$1.json"
    jq -e .ok "$answers/$1.json" >/dev/null
}
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }
parallel_run() { # function prefix
    local pids=() i
    for i in $(seq "$n"); do "$1" "$2$i" & pids+=($!); done
    for i in "${pids[@]}"; do wait "$i"; done
}

seq_ms=""
if [ "${SEQUENCE:-1}" != 0 ]; then
    echo "== $n creates through the gateway, in sequence"
    t0=$(now_ms)
    for i in $(seq "$n"); do gw_create "bps$run-$i"; done
    seq_ms=$(( $(now_ms) - t0 ))
    parallel_run gw_delete "bps$run-"
fi

echo "== $n creates through the gateway, in parallel"
t0=$(now_ms)
parallel_run gw_create "bpp$run-"
par_ms=$(( $(now_ms) - t0 ))
ok=$(cat "$answers"/bpp"$run"-*.json | jq -s '[.[] | select(.ok)] | length')
dups() { cat "$answers"/bpp"$run"-*.json | jq -rs "[.[] | select(.ok) | $1] | group_by(.) | map(select(length > 1)) | length"; }
collisions="$(dups .data.name) names, $(dups .data.ssh_port) SSH ports, $(dups .data.ipv4) addresses"
parallel_run gw_delete "bpp$run-"

echo "== $n raw LXD API creates, in parallel"
t0=$(now_ms)
parallel_run raw_create "bpr$run-"
raw_ms=$(( $(now_ms) - t0 ))
parallel_run raw_delete "bpr$run-"

echo "wall time: ${seq_ms:+sequential ${seq_ms} ms, }parallel ${par_ms} ms, raw LXD parallel ${raw_ms} ms"
[ -z "$seq_ms" ] || echo "ratio sequential/parallel: $(ratio "$seq_ms" "$par_ms")"
echo "ratio gateway parallel/raw parallel: $(ratio "$par_ms" "$raw_ms")"
echo "throughput: gateway $(awk -v n="$n" -v t="$par_ms" 'BEGIN {printf "%.2f", n * 1000 / t}')/s, raw $(awk -v n="$n" -v t="$raw_ms" 'BEGIN {printf "%.2f", n * 1000 / t}')/s, ratio $(ratio "$raw_ms" "$par_ms") (goal >= 0.8)"
echo "parallel gateway creates: $ok of $n succeeded; given twice: $collisions"
[ "$ok" = "$n" ] && [ "$collisions" = "0 names, 0 SSH ports, 0 addresses" ]
