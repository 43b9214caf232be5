#!/bin/bash
# bench/static.sh [PAIRS] - static addresses (agent.conf `addresses`) against DHCP, both through
# the gateway, alternating: a gateway create whose address the registry gave (and LXD's DHCP
# hands to that NIC alone) vs one that waits for whatever lease the network hands out.  The
# rig's agent.conf is switched between the two before each create and restored at the end.
# PAIRS default 7.  Needs the rig (tests/rig.sh up).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=${1:-7}
conf=$CTGATE_AGENT_CONF
orig=$(mktemp)
cp "$conf" "$orig"
trap 'cp "$orig" "$conf.new" && mv -f "$conf.new" "$conf"; rm -f "$orig"' EXIT
read -r first last <<<"$CTGATE_STATIC_ADDRESSES"
use_conf() { # static|dhcp
    { cat "$orig"; [ "$1" = dhcp ] || printf 'addresses = [ "%s", "%s" ];\n' "$first" "$last"; } >"$conf.new"
    chmod 0644 "$conf.new"
    mv -f "$conf.new" "$conf"
}
gw_create() { ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --json | jq -e .ok >/dev/null; }
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }
static_create() { use_conf static; gw_create "$1"; }
dhcp_create() { use_conf dhcp; gw_create "$1"; }

echo "== create through the gateway: static address vs DHCP"
compare_creates "$pairs" "bst$run" static static_create gw_delete dhcp dhcp_create gw_delete
echo "median: gateway create, static address ${MEDIAN_A} ms; with DHCP ${MEDIAN_B} ms"
echo "ratio static/dhcp: $(ratio "$MEDIAN_A" "$MEDIAN_B")"
