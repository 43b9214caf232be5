#!/bin/bash
# bench/rss.sh [RUNS] - peak resident memory (VmHWM, the kernel's ru_maxrss) of `ctgate` and
# `ctgate-agent` during a create, each run as sshd would run it: the gateway as the gateway's
# account (alice by password: run outside sshd it has no login key), the agent as the agent's
# account with the create request on stdin.  RUNS creates each (default 3); prints the largest.
# The figures come from getrusage(RUSAGE_CHILDREN) of a python3 parent: exact, not sampled.
# Needs the rig (tests/rig.sh up).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
key=$(cat "$CTGATE_KEY_alice.pub")
rig_bin=$CTGATE_RIG_DIR/bin

peak_kib() { # command... -> its peak RSS in KiB on stdout (the command's output is dropped)
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=sys.stdin)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }

gw_max=0 agent_max=0
for i in $(seq "$runs"); do
    n=brss$run-g$i
    k=$(printf '%s\n' "$CTGATE_PASSWORD_alice" | peak_kib runuser -u "$CTGATE_GATEWAY_USER" -- env \
        SSH_ORIGINAL_COMMAND="create --hostname $n --user alice --password-stdin --json --pubkey '$key'" \
        SSH_CONNECTION="127.0.0.1 40000 127.0.0.1 $CTGATE_SSH_PORT" \
        "$rig_bin/ctgate" --config "$CTGATE_GATEWAY_CONF")
    gw_delete "$n"
    [ "$k" -gt "$gw_max" ] && gw_max=$k
    n=brss$run-a$i
    k=$(printf '{"v":1,"op":"create","caller":{"uid":"alice","uid_number":10001},"hostname":"%s","template":"busybox","pubkey":"%s"}\n' "$n" "$key" |
        peak_kib runuser -u "$CTGATE_AGENT_USER" -- "$rig_bin/ctgate-agent" --config "$CTGATE_AGENT_CONF")
    gw_delete "$n"
    [ "$k" -gt "$agent_max" ] && agent_max=$k
done
echo "peak RSS during a create (largest of $runs): ctgate $gw_max KiB, ctgate-agent $agent_max KiB (goal: 8192 KiB each)"
