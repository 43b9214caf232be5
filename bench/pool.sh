#!/bin/bash
# bench/pool.sh [CREATES] - issue 17's pool goal: with a warm pool (agent.conf `pool`), a create
# through the gateway takes at most half a raw LXD create of the same image, p50 over CREATES
# (default 10), for busybox and for the rig's Debian template.  For each: a pool of 2 in the
# rig's agent.conf, filled synchronously (`ctgate-agent pool fill` as the agent's account, as the
# timer runs it; it waits for a create's background fill first), then CREATES alternating pairs:
# the same image straight through LXD's API with the same limits (create, start, IPv4: lib.sh's
# raw_create), and a create through the gateway measured as gateway.sh (busybox: the command's
# wall time) and debian.sh (Debian: to alice's first working ssh login) measure it.  The raw
# create goes first in each pair so it never shares LXD with the background fill a claim starts.
# After each pair, untimed: both deleted, the gateway's create checked in the registry to be a
# claim (its entry names a ctgate-pool- instance), and the pool filled again, so every measured
# create is a claim.  At the end the rig's agent.conf is restored and a last fill removes the
# pooled containers; LXD must hold none.  Needs the rig (tests/rig.sh up) with its Debian template.
# shellcheck disable=SC2317 # functions run through compare_creates and the EXIT trap
set -euo pipefail
source "$(dirname "$0")/lib.sh"
creates=${1:-10}
[ "$creates" -ge 5 ] || { echo "need at least 5 creates" >&2; exit 2; }
conf=$CTGATE_AGENT_CONF
reg=$CTGATE_AGENT_STATE/registry.json
orig=$(mktemp)
kh=$(mktemp)
fill_times=()
cp "$conf" "$orig"

set_conf() { # TEXT appended to the rig's agent.conf ("": as it was)
    { cat "$orig"; printf '%s\n' "$1"; } >"$conf.new"
    chmod 0644 "$conf.new"
    mv -f "$conf.new" "$conf"
}
with_pool() { # the rig's agent.conf with a pool of 2 of $tmpl (again: `rig.sh up` rewrites it)
    set_conf "pool = ( { template = \"$tmpl\"; size = 2; } );"
}
fill() { # a synchronous fill; the ms each pooled container it made took go to fill_times
    local out
    out=$(runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$conf" pool fill 2>&1) ||
        { printf '%s\n' "$out" >&2; echo "pool fill failed" >&2; return 1; }
    mapfile -t -O "${#fill_times[@]}" fill_times < <(printf '%s\n' "$out" | sed -n 's/^pool .* ready (\([0-9]*\) ms)$/\1/p')
    FILL_LAST=$(printf '%s\n' "$out" | tail -n 1)
}
pooled_in_lxd() { # the instances LXD holds as pooled (user.ctgate.pool set), one a line
    api "http://lxd/1.0/instances?recursion=1" |
        jq -r '.metadata[] | select((.config["user.ctgate.pool"] // "") != "") | .name'
}
finish() {
    local rc=$? left
    set +e
    echo "== restoring the rig's agent.conf, emptying the pool"
    cp "$orig" "$conf.new" && chmod 0644 "$conf.new" && mv -f "$conf.new" "$conf" || rc=1
    fill || rc=1
    if ! left=$(pooled_in_lxd); then
        echo "cannot ask LXD for pooled containers" >&2; rc=1
    elif [ -n "$left" ]; then
        echo "pooled containers left in LXD: $(printf '%s\n' "$left" | tr '\n' ' ')" >&2; rc=1
    else
        echo "no pooled container left in LXD"
    fi
    rm -f "$orig" "$kh"
    exit "$rc"
}
trap finish EXIT

gw_create() { ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --json | jq -e .ok >/dev/null; }
gw_login() { gw_debian_login "$1" "$CTGATE_DEBIAN_TEMPLATE"; }
gw_delete_refill() { # NAME, untimed: was it a claim (the registry says), delete it, fill the pool
    local inst
    inst=$(jq -r --arg h "$1" '.hostnames[$h].instance // empty' "$reg")
    if [ "${inst#ctgate-pool-}" != "$inst" ]; then
        claims=$((claims + 1))
    else
        echo "     ^ $1 was NOT a claim (instance: ${inst:-its own})" >&2
    fi
    ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null
    with_pool
    fill
}

status=0
pool_bench() { # TEMPLATE PREFIX GATEWAY_CREATE WHAT
    local r
    tmpl=$1
    with_pool
    fill_times=()
    fill
    echo "== $tmpl, a pool of 2 ($FILL_LAST): raw LXD API create+start+IPv4 vs a gateway create $4"
    claims=0
    compare_creates "$creates" "$2" raw raw_create raw_delete gateway "$3" gw_delete_refill
    r=$(ratio "$MEDIAN_B" "$MEDIAN_A")
    echo "claims $tmpl: $claims of $creates gateway creates took a pooled container"
    echo "median $tmpl: gateway create from the pool ${MEDIAN_B} ms; raw LXD API ${MEDIAN_A} ms"
    echo "median $tmpl: making one pooled container (pool fill) $(printf '%s\n' "${fill_times[@]}" | median) ms"
    echo "ratio gateway/raw $tmpl: $r"
    if awk -v r="$r" 'BEGIN {exit !(r <= 0.5)}'; then
        echo "goal (issue 17) gateway <= 0.5 x raw, $tmpl: met ($r)"
    else
        echo "goal (issue 17) gateway <= 0.5 x raw, $tmpl: NOT met ($r)"
    fi
    if [ "$claims" -eq 0 ]; then
        echo "!!! $tmpl: not one gateway create was a claim: this measured no pool" >&2
        status=1
    fi
}

pool_bench "$CTGATE_TEMPLATE" "bpb$run" gw_create "(wall time of the command)"
# The Debian template's default size (medium) on both sides, as debian.sh.
export RAW_IMAGE=$CTGATE_DEBIAN_IMAGE_ALIAS RAW_CPU=2 RAW_MEMORY=256MiB RAW_DISK=2GiB
pool_bench "$CTGATE_DEBIAN_TEMPLATE" "bpd$run" gw_login "to alice's first ssh login"
exit "$status"
