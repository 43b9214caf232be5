#!/bin/bash
# bench/all.sh - `make bench`: every figure issue 17 asks for, each measured side by side in one
# run with alternating pairs, then a summary.  Needs the rig (tests/rig.sh up, after make).
#   1. gateway create vs raw LXD create+start+IPv4, busybox (gateway.sh), with the gateway's
#      fixed cost (`version` vs a forced /bin/true) and `whoami`;
#   2. the agent alone, its own SSH hop included, vs raw LXD (create-vs-raw.sh);
#   3. Debian: a create through the gateway to the first login vs raw LXD (debian.sh);
#   4. 32 parallel creates through the gateway vs 32 raw parallel: throughput and collisions
#      (parallel.sh, without the sequence);
#   5. peak RSS (VmHWM) of ctgate and ctgate-agent during a create (rss.sh);
#   6. static addresses vs DHCP, both through the gateway (static.sh);
#   7. with a warm pool of 2: a gateway create (a claim) vs raw LXD, busybox and Debian (pool.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
status=0
stage() { # name command...: run it, show its output, keep it for the summary
    local name=$1
    shift
    echo "=== $name"
    if ! "$@" 2>&1 | tee "$log/$name"; then
        echo "!!! $name failed"
        status=1
    fi
}
stage gateway "$here/gateway.sh" 7 15
stage agent "$here/create-vs-raw.sh" 7
stage debian "$here/debian.sh" 5
SEQUENCE=0 stage parallel "$here/parallel.sh" 32
stage rss "$here/rss.sh" 3
stage static "$here/static.sh" 7
stage pool "$here/pool.sh" 5

echo
echo "=== summary (goals from issue 17 in brackets)"
grep -h "^ratio gateway/raw" "$log/gateway" | sed 's/^/busybox, gateway create vs raw LXD: /;s/$/  [<= 1.25]/'
grep -h "^ratio ctgate/raw" "$log/agent" | sed 's/^/busybox, agent alone (its SSH hop included) vs raw LXD: /;s/$/  [<= 1.10]/'
grep -h "^ratio" "$log/debian" | sed 's/^/debian, gateway create to first login vs raw LXD: /'
grep -h "^ratio gateway/true" "$log/gateway" | sed 's/^/fixed cost, version vs forced \/bin\/true: /'
grep -h "^throughput\|^parallel gateway creates" "$log/parallel" | sed 's/^/32 parallel: /'
grep -h "^peak RSS" "$log/rss" | sed 's/$/  [<= 8192 KiB]/'
grep -h "^ratio static/dhcp" "$log/static" | sed 's/^/busybox, gateway create with a static address vs DHCP: /'
grep -h "^ratio gateway/raw" "$log/pool" |
    sed 's/^ratio gateway\/raw \([^:]*\):/\1, with a warm pool, gateway create vs raw LXD:/;s/$/  [<= 0.50]/'
grep -h "^claims" "$log/pool" | sed 's/^claims \([^:]*\):/\1, with a warm pool, claims:/'
exit "$status"
