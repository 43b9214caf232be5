#!/bin/bash
# bench/gateway.sh - what the gateway costs, measured in one run against the rig.
#
# 1. A create through the gateway, exactly as a script does it
#    (ssh create-container@127.0.0.1 create --hostname X --json, alice's key in
#    LDAP), against the same container made straight through LXD's API (create,
#    start, wait for IPv4); alternating, N pairs (default 7, at least 5).
# 2. The gateway's fixed cost: `ssh create-container@127.0.0.1 version` against
#    ssh to an account whose forced command is /bin/true; alternating, M pairs
#    (default 15).
# Prints every pair, the medians and their ratios.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=${1:-7}
fixed_pairs=${2:-15}
[ "$pairs" -ge 5 ] || { echo "need at least 5 pairs" >&2; exit 2; }

gw_create() { ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --json | jq -e .ok >/dev/null; }
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }

echo "== create: through the gateway vs raw LXD API"
compare_creates "$pairs" "bgw$run" gateway gw_create gw_delete raw raw_create raw_delete
gm=$MEDIAN_A
rm_=$MEDIAN_B
echo "median: gateway create ${gm} ms (ssh, LDAP key lookup, ssh to the agent, all agent steps)"
echo "median: raw LXD API create+start+IPv4 ${rm_} ms"
echo "ratio gateway/raw: $(ratio "$gm" "$rm_")"

echo "== fixed cost: ssh create-container@ version vs ssh to ForceCommand /bin/true"
v_times=(); t_times=()
for i in $(seq "$fixed_pairs"); do
    t0=$(now_ms); ssh_as alice "$CTGATE_GATEWAY_USER" version >/dev/null; t1=$(now_ms)
    ssh_as alice "$CTGATE_BENCH_USER" >/dev/null; t2=$(now_ms)
    v_times+=($((t1 - t0))); t_times+=($((t2 - t1)))
done
vm=$(printf '%s\n' "${v_times[@]}" | median)
tm=$(printf '%s\n' "${t_times[@]}" | median)
echo "median: ssh create-container@ version ${vm} ms; ssh to /bin/true ${tm} ms"
echo "ratio gateway/true: $(ratio "$vm" "$tm")"
echo "median: ssh create-container@ whoami (adds LDAP: StartTLS, key search, groups)"
w_times=()
for i in $(seq "$fixed_pairs"); do
    t0=$(now_ms); ssh_as alice "$CTGATE_GATEWAY_USER" whoami >/dev/null; t1=$(now_ms)
    w_times+=($((t1 - t0)))
done
wm=$(printf '%s\n' "${w_times[@]}" | median)
echo "  ${wm} ms; ratio whoami/true: $(ratio "$wm" "$tm")"
