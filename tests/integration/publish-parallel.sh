#!/bin/bash
# 32 creates at once through the gateway, with static addresses (agent.conf's
# `addresses`, the rig's range outside its DHCP range): every one succeeds, no
# two share a name, an SSH port or an address, each address is its NIC's in
# LXD and answers, and LXD filters what each sends (root in one container that
# takes a stopped neighbour's address gets no traffic for it), nginx's
# configuration stays valid, each container is reachable on its own port; then
# 32 deletes at once leave nothing published.
# Last, a range with one address: the second create is refused cleanly.
source "$(dirname "$0")/../lib.sh"

N=${PARALLEL_CREATES:-32}
read -r first last <<<"${CTGATE_STATIC_ADDRESSES:?the rig exports CTGATE_STATIC_ADDRESSES}"
conf=$CTGATE_AGENT_CONF
cp "$conf" "$TMP/agent.conf.orig"
restore() { cp "$TMP/agent.conf.orig" "$conf.new" && mv -f "$conf.new" "$conf"; }
trap 'restore; finish' EXIT
with_addresses() { # FIRST LAST: the rig's agent.conf with that range
    { cat "$TMP/agent.conf.orig"; printf 'addresses = [ "%s", "%s" ];\n' "$1" "$2"; } >"$conf.new"
    chmod 0644 "$conf.new"
    mv -f "$conf.new" "$conf"
}
in_range() { # ADDRESS: inside first..last (one /24)
    [[ $1 == "${first%.*}".* ]] && [ "${1##*.}" -ge "${first##*.}" ] && [ "${1##*.}" -le "${last##*.}" ]
}
with_addresses "$first" "$last"
nginx_valid() { runuser -u "$CTGATE_AGENT_USER" -- /usr/sbin/nginx -t -q -p "$CTGATE_NGINX_DIR/" -c "$CTGATE_NGINX_DIR/nginx.conf" 2>/dev/null; }
banner() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; head -1 <&3" 2>/dev/null | tr -d '\r'; }

pids=()
for i in $(seq "$N"); do
    n=$(name_for "par$i")
    CREATED_NAMES+=("$n")
    gw_run "$TMP/c$i" alice -T -- create --hostname "$n" --json &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

ok=0
for i in $(seq "$N"); do
    [ "$(cat "$TMP/c$i.rc")" = 0 ] && ok=$((ok + 1)) || cat "$TMP/c$i.err" "$TMP/c$i.out" | sed 's/^/       /' | head -3
done
check_eq "all $N creates succeeded" "$N" "$ok"
check_eq "$N distinct names in LXD" "$N" "$(lxd_instance_count "$(name_for par)")"
ports=$(for i in $(seq "$N"); do jq -r '.data.ssh_port // empty' "$TMP/c$i.out"; done)
check_eq "$N SSH ports" "$N" "$(grep -c . <<<"$ports")"
check_eq "no two share a port" "$N" "$(sort -u <<<"$ports" | grep -c .)"
check_eq "the registry holds $N ports for them" "$N" \
    "$(jq --arg p "$(name_for par)" '[.hostnames | to_entries[] | select(.key | startswith($p)) | .value.ssh_port] | unique | length' "$CTGATE_AGENT_STATE/registry.json")"
addresses=$(for i in $(seq "$N"); do jq -r '.data.ipv4 // empty' "$TMP/c$i.out"; done)
check_eq "$N addresses, no two the same" "$N" "$(sort -u <<<"$addresses" | grep -c .)"
outside=0
for a in $addresses; do in_range "$a" || outside=$((outside + 1)); done
check_eq "each from the static range $first-$last" 0 "$outside"
wrong=0
for i in $(seq "$N"); do
    n=$(name_for "par$i")
    a=$(jq -r .data.ipv4 "$TMP/c$i.out")
    [ "$(lxd_get "/1.0/instances/$n" | jq -r '.metadata.devices.eth0["ipv4.address"]')" = "$a" ] &&
        [ "$(jq -r --arg h "$n" '.hostnames[$h].address' "$CTGATE_AGENT_STATE/registry.json")" = "$a" ] ||
        wrong=$((wrong + 1))
done
check_eq "each is its NIC's ipv4.address in LXD and its entry's in the registry" 0 "$wrong"
silent=0
for i in $(seq "$N"); do
    a=$(jq -r .data.ipv4 "$TMP/c$i.out")
    curl -sf --max-time 5 "http://$a/" >/dev/null || silent=$((silent + 1))
done
check_eq "each answers at its address" 0 "$silent"
check_eq "each static NIC filters what its container sends (IPv4 and MAC)" "$N" \
    "$(for i in $(seq "$N"); do lxd_get "/1.0/instances/$(name_for "par$i")" |
        jq -r '.metadata.devices.eth0 | select(.["security.ipv4_filtering"] == "true" and .["security.mac_filtering"] == "true") | 1'; done | grep -c 1)"
# Root in par1 takes par2's address once par2 is stopped: nothing answers there.
a1=$(jq -r .data.ipv4 "$TMP/c1.out")
a2=$(jq -r .data.ipv4 "$TMP/c2.out")
banner_at() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/22; head -1 <&3" 2>/dev/null | tr -d '\r'; }
check "par1's root adds par2's address to its eth0" \
    env LXD_DIR="$CTGATE_LXD_DIR" lxc exec "$(name_for par1)" -- ip addr add "$a2/24" dev eth0
check "and par1's eth0 holds it" bash -c "LXD_DIR='$CTGATE_LXD_DIR' lxc exec '$(name_for par1)' -- ip -4 addr show dev eth0 | grep -qF ' $a2/24 '"
check "par2 stopped" env LXD_DIR="$CTGATE_LXD_DIR" lxc stop --force "$(name_for par2)"
check "the host forgets where par2's address was" ip neigh flush to "$a2"
check_eq "par1 still answers at its own address" "SSH-2.0-ctgrig_$(name_for par1)" "$(banner_at "$a1")"
check_eq "but not at stopped par2's, which it took inside" "" "$(banner_at "$a2")"
par1_mac=$(lxd_get "/1.0/instances/$(name_for par1)" | jq -r '.metadata.devices.eth0.hwaddr')
check "and the host never learnt par1's MAC ($par1_mac) for it" \
    bash -c "! ip neigh show to '$a2' | grep -qiF '$par1_mac'"
check "nginx accepts the configuration" nginx_valid
check_eq "stream.conf forwards all $N ports" "$N" "$(grep -c "^# $(name_for par)" "$CTGATE_NGINX_DIR/ctgate/stream.conf")"
wrong=0
for i in $(seq "$N"); do
    [ "$i" = 2 ] && continue # stopped above
    p=$(jq -r .data.ssh_port "$TMP/c$i.out")
    [ "$(banner "$p")" = "SSH-2.0-ctgrig_$(name_for "par$i")" ] || wrong=$((wrong + 1))
done
check_eq "each port reaches its own container (but stopped par2)" 0 "$wrong"

pids=()
for i in $(seq "$N"); do
    gw_run "$TMP/d$i" alice -T -- delete "$(name_for "par$i")" --yes &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
ok=0
for i in $(seq "$N"); do [ "$(cat "$TMP/d$i.rc")" = 0 ] && ok=$((ok + 1)); done
check_eq "all $N deletes succeeded" "$N" "$ok"
check_eq "LXD: none left" 0 "$(lxd_instance_count "$(name_for par)")"
check_eq "stream.conf forwards none of them" 0 "$(grep -c "^# $(name_for par)" "$CTGATE_NGINX_DIR/ctgate/stream.conf")"
check_eq "http.conf routes none of them" 0 "$(grep -c "server_name $(name_for par)" "$CTGATE_NGINX_DIR/ctgate/http.conf")"
check "nginx accepts the configuration" nginx_valid

echo "-- a range with one address: the second create is refused cleanly"
with_addresses "$last" "$last"
one=$(name_for one)
two=$(name_for two)
CREATED_NAMES+=("$one" "$two")
gw_run "$TMP/one" alice -T -- create --hostname "$one" --json
check_eq "the first: exit 0" 0 "$(cat "$TMP/one.rc")"
check_eq "at the range's one address" "$last" "$(jq -r .data.ipv4 "$TMP/one.out")"
cp "$CTGATE_NGINX_DIR/ctgate/http.conf" "$TMP/http.before"
gw_run "$TMP/two" alice -T -- create --hostname "$two" --json
check_eq "the second: exit 4" 4 "$(cat "$TMP/two.rc")"
check "says the range is full" grep -q "no free address in $last-$last" "$TMP/two.out" "$TMP/two.err"
check_eq "LXD has no such instance" 404 "$(lxd_status_code "/1.0/instances/$two")"
check_not "the registry holds no reservation" registry_has "$two"
check "nginx's files are as they were" cmp -s "$TMP/http.before" "$CTGATE_NGINX_DIR/ctgate/http.conf"
gw_run "$TMP/d1" alice -T -- delete "$one" --yes
gw_run "$TMP/two2" alice -T -- create --hostname "$two" --json
check_eq "once the first is deleted, its address is free again" "$last" "$(jq -r .data.ipv4 "$TMP/two2.out")"
gw_run "$TMP/d2" alice -T -- delete "$two" --yes
check_eq "and deleted" 0 "$(cat "$TMP/d2.rc")"
