#!/bin/bash
# bench/parallel.sh - N creates through the gateway in parallel vs the same N in
# sequence (wall time), and vs N raw LXD API creates in parallel (create, start,
# IPv4), all in one run.  Default N=16.  Everything is deleted afterwards.
# Prints the three wall times and their ratios.  Needs the rig.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${1:-16}

gw_create() { ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --json | jq -e .ok >/dev/null; }
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }
parallel_run() { # function prefix
    local pids=() i
    for i in $(seq "$n"); do "$1" "$2$i" & pids+=($!); done
    for i in "${pids[@]}"; do wait "$i"; done
}

echo "== $n creates through the gateway, in sequence"
t0=$(now_ms)
for i in $(seq "$n"); do gw_create "bps$run-$i"; done
seq_ms=$(( $(now_ms) - t0 ))
parallel_run gw_delete "bps$run-"

echo "== $n creates through the gateway, in parallel"
t0=$(now_ms)
parallel_run gw_create "bpp$run-"
par_ms=$(( $(now_ms) - t0 ))
parallel_run gw_delete "bpp$run-"

echo "== $n raw LXD API creates, in parallel"
t0=$(now_ms)
parallel_run raw_create "bpr$run-"
raw_ms=$(( $(now_ms) - t0 ))
parallel_run raw_delete "bpr$run-"

echo "wall time: sequential ${seq_ms} ms, parallel ${par_ms} ms, raw LXD parallel ${raw_ms} ms"
echo "ratio sequential/parallel: $(ratio "$seq_ms" "$par_ms")"
echo "ratio gateway parallel/raw parallel: $(ratio "$par_ms" "$raw_ms")"
