#!/bin/bash
# The tenant is root in their container (issue 16.1): whatever address it sets is
# never published.  In a Debian container (the rig's template: ifupdown), the boot
# is made to set a hostile address instead of (or besides) DHCP, then
# `ssh create-container@gw restart NAME`: the restart fails with a clear message
# (exit 4), nginx's files never name the bad address and no longer name the
# container, and the registry holds no address for it.  An extra interface changes
# nothing; a normal restart after it stays published at its DHCP lease.
source "$(dirname "$0")/../lib.sh"

tmpl=${CTGATE_DEBIAN_TEMPLATE:?the rig exports CTGATE_DEBIAN_TEMPLATE}
bridge_ip=$(lxd_get "/1.0/networks/$CTGATE_LXD_BRIDGE" | jq -r '.metadata.config["ipv4.address"]')
bridge_ip=${bridge_ip%/*}
http=$CTGATE_NGINX_DIR/ctgate/http.conf
stream=$CTGATE_NGINX_DIR/ctgate/stream.conf

lxc_rig() { LXD_DIR=$CTGATE_LXD_DIR lxc "$@"; }
# The boot's network configuration of container NAME: stdin becomes /etc/network/interfaces.
set_interfaces() { lxc_rig exec "$1" -- tee /etc/network/interfaces >/dev/null; }
dhcp_config() { printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet dhcp\n'; }
registry_ipv4() { jq -r --arg h "$1" '.hostnames[$h].ipv4 // ""' "$CTGATE_AGENT_STATE/registry.json"; }
published_at() { # NAME ADDRESS: nginx routes NAME to ADDRESS in both files
    grep -q "proxy_pass http://$2:80;" "$http" && grep -q "proxy_pass $2:22;" "$stream" &&
        grep -q "server_name $1\." "$http"
}
not_named() { # NAME ADDRESS: neither file names NAME, nor routes to ADDRESS
    ! grep -q "server_name $1\." "$http" && ! grep -q "^# $1 " "$stream" &&
        ! grep -q "proxy_pass http://$2:" "$http" && ! grep -q "proxy_pass $2:" "$stream"
}

a=$(name_for ta)
b=$(name_for tb)
CREATED_NAMES+=("$a" "$b")
gw_run "$TMP/ca" alice -T -- create --hostname "$a" --template "$tmpl" --json
check_eq "create $a: exit 0" 0 "$(cat "$TMP/ca.rc")" || sed 's/^/    | /' "$TMP/ca.err"
password_of bob >"$TMP/cb.in"
gw_run "$TMP/cb" bob -T -- create --hostname "$b" --template "$tmpl" --json --user bob --password-stdin
check_eq "create bob's $b: exit 0" 0 "$(cat "$TMP/cb.rc")" || sed 's/^/    | /' "$TMP/cb.err"
ip_a=$(jq -r .data.ipv4 "$TMP/ca.out")
ip_b=$(jq -r .data.ipv4 "$TMP/cb.out")
check "the create's address is its DHCP lease" \
    jq_true --arg ip "$ip_a" --arg n "$a" 'any(.metadata[]; .address == $ip and .hostname == $n)' \
    <(lxd_get "/1.0/networks/$CTGATE_LXD_BRIDGE/leases")
check "published at it" published_at "$a" "$ip_a"

# CASE: a boot configuration whose restart must be refused, and the address it must never publish.
# Called with its stdin redirected, never at the end of a pipe: a subshell would lose the counts.
refused() { # label bad-address (stdin: /etc/network/interfaces)
    local label=$1 bad=$2
    echo "-- $label"
    set_interfaces "$a"
    gw_run "$TMP/r" alice -T -- restart "$a"
    check_eq "$label: restart refused (exit 4)" 4 "$(cat "$TMP/r.rc")"
    check "$label: the user is told why" grep -qE "address .* (not handed to this container|bridge|loopback|link-local|leased to another|several).*not published" "$TMP/r.err"
    if [ "$bad" = "$ip_b" ]; then # b is published there, rightly: once, and a not at all
        check "$label: nginx no longer names $a" not_named "$a" 192.0.2.255
        check_eq "$label: $bad is routed to for $b's SSH port only" 1 "$(grep -c "proxy_pass $bad:" "$stream")"
    else
        check "$label: nginx never routes to $bad, and no longer names $a" not_named "$a" "$bad"
    fi
    check_eq "$label: the registry holds no address" "" "$(registry_ipv4 "$a")"
    check_eq "$label: the container still runs (unpublished)" Running "$(lxd_state "$a")"
    gw_run "$TMP/l" alice -T -- list --json
    check "$label: list shows no address for it" jq_true --arg n "$a" \
        '.data.containers[] | select(.name == $n) | .ipv4 == null' "$TMP/l.out"
}

refused "the hypervisor's bridge address instead of DHCP" "$bridge_ip" < <(
    printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address %s/24\n' "$bridge_ip")
refused "169.254.169.254 (a metadata service)" 169.254.169.254 < <(
    printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 169.254.169.254/16\n')
# The kernel may refuse 127.0.0.1 on eth0: then eth0 has no address and the restart times out
# (exit 7) - never published either way.
printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet manual\n  up ip addr add 127.0.0.1/8 dev eth0 scope global\n  up ip link set eth0 up\n' | set_interfaces "$a"
gw_run "$TMP/lo" alice -T -- restart "$a"
check "127.0.0.1 on eth0: refused or no address (exit 4 or 7)" grep -qxE '4|7' "$TMP/lo.rc"
check "127.0.0.1 on eth0: nginx never routes to it, nor names $a" not_named "$a" 127.0.0.1
refused "another running container's address ($b's)" "$ip_b" < <(
    printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address %s/24\n' "$ip_b")
# The second address comes up after the DHCP lease, so the agent may look before or after it
# is there: refused (unpublished), or published at the lease; never routed to the bridge.
echo "-- a second address (the bridge's) on eth0 besides the lease"
{ dhcp_config; printf '  up ip addr add %s/24 dev eth0\n' "$bridge_ip"; } | set_interfaces "$a"
gw_run "$TMP/r2" alice -T -- restart "$a" --json
if [ "$(cat "$TMP/r2.rc")" = 0 ]; then
    ip2=$(jq -r .data.ipv4 "$TMP/r2.out")
    check "second address: published only at a lease of $a ($ip2)" \
        jq_true --arg ip "$ip2" --arg n "$a" 'any(.metadata[]; .address == $ip and .hostname == $n)' \
        <(lxd_get "/1.0/networks/$CTGATE_LXD_BRIDGE/leases")
else
    check_eq "second address: refused (exit 4)" 4 "$(cat "$TMP/r2.rc")"
    check_eq "second address: the registry holds no address" "" "$(registry_ipv4 "$a")"
fi
check_eq "second address: nginx never routes to $bridge_ip" 0 \
    "$(cat "$http" "$stream" | grep -c "proxy_pass \(http://\)\?$bridge_ip:")"
check "through all of it, $b stays published at its own address" published_at "$b" "$ip_b"

echo "-- an extra interface changes nothing: published at the lease"
{ dhcp_config; printf 'auto dummy0\niface dummy0 inet manual\n  pre-up ip link add dummy0 type dummy\n  up ip addr add 192.0.2.1/32 dev dummy0\n  up ip link set dummy0 up\n'; } |
    set_interfaces "$a"
gw_run "$TMP/dm" alice -T -- restart "$a" --json
check_eq "dummy0: restart exit 0" 0 "$(cat "$TMP/dm.rc")" || sed 's/^/    | /' "$TMP/dm.err"
ip_now=$(jq -r .data.ipv4 "$TMP/dm.out")
check "dummy0: the answer's address is a lease of $a" \
    jq_true --arg ip "$ip_now" --arg n "$a" 'any(.metadata[]; .address == $ip and .hostname == $n)' \
    <(lxd_get "/1.0/networks/$CTGATE_LXD_BRIDGE/leases")
check "dummy0: published again, at the lease" published_at "$a" "$ip_now"
check "dummy0: 192.0.2.1 is never routed to" not_named "$(name_for nothing)" 192.0.2.1

echo "-- back to plain DHCP: a normal restart stays published; stop withdraws; start restores"
dhcp_config | set_interfaces "$a"
gw_run "$TMP/ok" alice -T -- restart "$a" --json
check_eq "normal restart: exit 0" 0 "$(cat "$TMP/ok.rc")"
ip_ok=$(jq -r .data.ipv4 "$TMP/ok.out")
check "normal restart: published at its lease" published_at "$a" "$ip_ok"
check_eq "normal restart: the registry agrees" "$ip_ok" "$(registry_ipv4 "$a")"
gw_run "$TMP/st" alice -T -- stop "$a"
check_eq "stop: exit 0" 0 "$(cat "$TMP/st.rc")"
check "stop: the routes are withdrawn" not_named "$a" "$ip_ok"
gw_run "$TMP/sa" alice -T -- start "$a" --json
check_eq "start: exit 0" 0 "$(cat "$TMP/sa.rc")"
check "start: published again after the check" published_at "$a" "$(jq -r .data.ipv4 "$TMP/sa.out")"

for n in "$a" "$b"; do
    if [ "$n" = "$b" ]; then
        password_of bob >"$TMP/d-$n.in"
        gw_run "$TMP/d-$n" bob -T -- delete "$n" --yes --user bob --password-stdin
    else
        gw_run "$TMP/d-$n" alice -T -- delete "$n" --yes
    fi
    check_eq "delete $n" 0 "$(cat "$TMP/d-$n.rc")"
done
