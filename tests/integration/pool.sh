#!/bin/bash
# The warm pool (agent.conf `pool`, hypervisor-agent/pool/pool.h): started
# containers nobody owns, kept ready; a create claims one in the registry
# write that reserves its name, and the pool is filled again behind it.
# Checked through the real ssh client, LXD's API and the registry: a pooled
# container has no account, key or published port and counts for no one;
# 10 creates in a row from a pool of 2 all succeed (the pool runs dry and
# refills); the user's hostname is what every command, the container itself
# and nginx use, whatever the instance is called; a failed or killed claim
# never hands out a half-made container and never returns one to the pool;
# delete never does either; a smaller pool is trimmed; and a Debian
# container from the pool takes a real ssh login.
source "$(dirname "$0")/../lib.sh"

conf=$CTGATE_AGENT_CONF
reg=$CTGATE_AGENT_STATE/registry.json
cp "$conf" "$TMP/agent.conf.orig"
set_conf() { # TEXT appended to the rig's agent.conf ("": as it was)
    { cat "$TMP/agent.conf.orig"; printf '%s\n' "$1"; } >"$conf.new"
    chmod 0644 "$conf.new"
    mv -f "$conf.new" "$conf"
}
with_pool() { set_conf "pool = ( $1 );"; }
fill() { # LABEL: a synchronous fill as the timer runs it (waits for background ones first)
    agent_cmd pool fill >"$TMP/fill-$1.out" 2>&1
    echo $? >"$TMP/fill-$1.rc"
    sed 's/^/    fill: /' "$TMP/fill-$1.out"
    check_no_sanitizer_report "$TMP/fill-$1.out"
}
drain() { # no pool, and none left: after the background fills that read the old configuration
    local i
    set_conf ""
    for ((i = 0; i < 300; i++)); do
        pgrep -f -- "--config $conf pool fill" >/dev/null || break
        sleep 0.1
    done
    agent_cmd pool fill >/dev/null 2>&1
}
trap 'drain; finish' EXIT

pooled() { # TEMPLATE: the settled pooled containers' names, one a line
    jq -r --arg t "$1" '.hostnames | to_entries[]
        | select(.value.pool == $t and .value.pending == null) | .key' "$reg" | sort
}
claimed_instance() { jq -r --arg h "$1" '.hostnames[$h].instance // empty' "$reg"; }
lxd_pool_instances() { # those LXD holds as pooled (user.ctgate.pool set)
    lxd_get "/1.0/instances?recursion=1" |
        jq -r '.metadata[] | select((.config["user.ctgate.pool"] // "") != "") | .name' | sort
}
gone_everywhere() { # INSTANCE LABEL: no LXD instance, no registry entry names it
    check_eq "$2: $1 is gone from LXD" 404 "$(lxd_status_code "/1.0/instances/$1")"
    check_eq "$2: no registry entry holds $1" 0 \
        "$(jq --arg i "$1" '[.hostnames | to_entries[] | select(.key == $i or .value.instance == $i)] | length' "$reg")"
}

echo "== check-config refuses a pool it cannot keep"
for bad in '{ template = "nope"; size = 1; }' '{ template = "busybox"; size = 0; }' \
    '{ template = "busybox"; size = 65; }' '{ template = "busybox"; size = 1; }, { template = "busybox"; size = 2; }'; do
    with_pool "$bad"
    agent_cmd check-config >"$TMP/cc.out" 2>&1
    check_ne "check-config refuses pool ( $bad )" 0 "$?"
    check "it says what a pool entry is" grep -q "'pool' entries are" "$TMP/cc.out"
done

echo "== a pool of 2 busybox containers"
with_pool '{ template = "busybox"; size = 2; }'
check "check-config accepts it" agent_cmd check-config
fill first
check_eq "pool fill succeeds" 0 "$(cat "$TMP/fill-first.rc")"
check_eq "it says the pool is full" "pool busybox: 2 of 2" "$(tail -n 1 "$TMP/fill-first.out")"
mapfile -t first < <(pooled busybox)
check_eq "two settled pooled containers in the registry" 2 "${#first[@]}"
for p in "${first[@]}"; do
    check_eq "$p runs in LXD" Running "$(lxd_state "$p")"
    check_eq "$p belongs to no one (metadata)" "" "$(lxd_config "$p" user.ctgate.owner | sed 's/^null$//')"
    check_eq "$p is marked as busybox's pool" busybox "$(lxd_config "$p" user.ctgate.pool)"
    check_eq "$p has no owner in the registry" "" "$(jq -r --arg h "$p" '.hostnames[$h].owner' "$reg")"
    check_eq "$p has no published port or address" "null null" \
        "$(jq -r --arg h "$p" '.hostnames[$h] | "\(.ssh_port) \(.ipv4)"' "$reg")"
    check_eq "$p has no home directory" "" "$(lxc_ct exec "$p" -- ls /home 2>/dev/null)"
    check_not "nginx knows nothing of $p" grep -rq "$p" "$CTGATE_NGINX_DIR/ctgate/"
done
agent_send "$(req_list dave)" "$TMP/admin-list"
check_eq "an admin's list shows the pool" 2 \
    "$(result_of "$TMP/admin-list" | jq '[.data.containers[] | select(.pool == "busybox")] | length')"
agent_send "$(req_list alice)" "$TMP/alice-list"
check_eq "a user's list does not" 0 \
    "$(result_of "$TMP/alice-list" | jq '[.data.containers[] | select(.pool != null)] | length')"

echo "== a user cannot take a pool name"
gw_run "$TMP/poolname" alice -- create --hostname "${first[0]}"
check_ne "create --hostname ${first[0]} is refused" 0 "$(cat "$TMP/poolname.rc")"
check "it says the name is reserved" grep -q "reserved" "$TMP/poolname.err"
check_eq "the pooled container is still pooled" busybox "$(lxd_config "${first[0]}" user.ctgate.pool)"

echo "== 10 creates in a row from a pool of 2"
claimed=0
instances=()
for i in $(seq 1 10); do
    n=$(name_for "p$i")
    CREATED_NAMES+=("$n")
    gw_run "$TMP/c$i" alice -- create --hostname "$n" --json
    check_eq "create $i succeeds" 0 "$(cat "$TMP/c$i.rc")"
    inst=$(claimed_instance "$n")
    if [ -n "$inst" ]; then
        claimed=$((claimed + 1))
        instances+=("$inst")
        check "create $i: its instance $inst was a pooled one" [ "${inst#ctgate-pool-}" != "$inst" ]
        check_eq "create $i: the instance is alice's now" alice "$(lxd_config "$inst" user.ctgate.owner)"
        check_eq "create $i: and no longer pooled" "" "$(lxd_config "$inst" user.ctgate.pool | sed 's/^null$//')"
        check_eq "create $i: the hostname inside is $n" "$n" \
            "$(lxc_ct exec "$inst" -- hostname)"
    else
        check_eq "create $i: made when the pool was dry, under its own name" Running "$(lxd_state "$n")"
    fi
    check_eq "create $i: the summary names $n" "$n" "$(jq -r .data.name "$TMP/c$i.out")"
    check "create $i: nginx routes $n" grep -q "server_name $n\." "$CTGATE_NGINX_DIR/ctgate/http.conf"
done
got=$(claimed_instance "$(name_for p1)")
check "the first create claimed one of the two pooled containers ($got)" \
    [ "$got" = "${first[0]}" -o "$got" = "${first[1]}" ]
check "at least 2 of 10 creates were claims ($claimed)" [ "$claimed" -ge 2 ]
check_eq "no instance was handed out twice" "${#instances[@]}" "$(printf '%s\n' "${instances[@]}" | sort -u | wc -l)"
fill refill
check_eq "the pool is full again" 2 "$(pooled busybox | wc -l)"
reused=0
for i in "${instances[@]}"; do pooled busybox | grep -qx "$i" && reused=$((reused + 1)); done
check_eq "none of the pooled containers is a claimed one" 0 "$reused"
p1=$(name_for p1)
i1=$(claimed_instance "$p1")
gw_run "$TMP/info" alice -- info "$p1" --json
check_eq "info $p1 answers under its hostname" "$p1" "$(jq -r .data.name "$TMP/info.out")"
port=$(jq -r --arg h "$p1" '.hostnames[$h].ssh_port' "$reg")
banner() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; head -1 <&3" 2>/dev/null | tr -d '\r'; }
banner_is() { [ "$(banner "$1")" = "$2" ]; }
check "its SSH port through nginx reaches it, and it names itself $p1" \
    eventually banner_is "$port" "SSH-2.0-ctgrig_$p1"
gw_run "$TMP/restart" alice -- restart "$p1"
check_eq "restart $p1 works" 0 "$(cat "$TMP/restart.rc")"
hostname_is() { [ "$(lxc_ct exec "$1" -- hostname 2>/dev/null)" = "$2" ]; }
check "after the restart its hostname is still $p1" eventually hostname_is "$i1" "$p1"

echo "== delete never returns a container to the pool"
gw_run "$TMP/del" alice -- delete "$p1" --yes
check_eq "delete $p1 succeeds" 0 "$(cat "$TMP/del.rc")"
gone_everywhere "$i1" "delete"

echo "== a claim that fails or is killed hands nothing out and returns nothing"
fill before-faults
for fault in reserve claim account; do
    mapfile -t before < <(pooled busybox)
    n=$(name_for "f-$fault")
    echo "$fault" >"$CTGATE_AGENT_STATE/fault-inject"
    create alice "$n" "$TMP/f-$fault"
    rm -f "$CTGATE_AGENT_STATE/fault-inject"
    check_eq "a failure after $fault: the create fails at it" "$fault" "$(result_field "$TMP/f-$fault" .error.step)"
    check_not "after $fault: no reservation of $n" registry_has "$n"
    left=0
    for p in "${before[@]}"; do
        if [ "$(lxd_status_code "/1.0/instances/$p")" = 404 ]; then
            left=$((left + 1))
            gone_everywhere "$p" "after $fault"
        fi
    done
    check_eq "after $fault: exactly the claimed container is gone" 1 "$left"
    fill "after-$fault"
done
for step in reserve claim; do
    mapfile -t before < <(pooled busybox)
    n=$(name_for "k-$step")
    echo "kill-$step" >"$CTGATE_AGENT_STATE/fault-inject"
    create alice "$n" "$TMP/k-$step"
    rm -f "$CTGATE_AGENT_STATE/fault-inject"
    check_eq "killed after $step: no result line" "" "$(result_of "$TMP/k-$step")"
    inst=$(claimed_instance "$n")
    check "killed after $step: the entry holds a claimed container ($inst)" \
        grep -qx -- "$inst" <(printf '%s\n' "${before[@]}")
    check_eq "killed after $step: it is pending" create "$(jq -r --arg h "$n" '.hostnames[$h].pending.op' "$reg")"
    check_not "killed after $step: it is not pooled any more" grep -qx -- "$inst" <(pooled busybox)
    agent_cmd reconcile --fix >"$TMP/k-$step.fix" 2>&1
    check_no_sanitizer_report "$TMP/k-$step.fix"
    check "reconcile rolls the killed create back" grep -q "rolled back" "$TMP/k-$step.fix"
    gone_everywhere "$inst" "killed after $step"
    check_not "killed after $step: no reservation of $n" registry_has "$n"
    fill "after-kill-$step"
done

echo "== reconcile removes a pooled container nobody holds"
mapfile -t now < <(pooled busybox)
jq --arg h "${now[0]}" 'del(.hostnames[$h])' "$reg" >"$TMP/reg" && cat "$TMP/reg" >"$reg"
agent_cmd reconcile --fix >"$TMP/orphan.fix" 2>&1
check "reconcile says so" grep -q "pooled container ${now[0]} (busybox) has no reservation: removed" "$TMP/orphan.fix"
check_eq "it is gone from LXD" 404 "$(lxd_status_code "/1.0/instances/${now[0]}")"

echo "== a pooled container removed behind ctgate's back is replaced, never claimed"
fill before-gone
mapfile -t now < <(pooled busybox)
lxc_ct delete --force "${now[0]}"
fill gone
check "the fill removes its entry" grep -q "${now[0]} removed" "$TMP/fill-gone.out"
check_eq "and makes another: the pool is full" 2 "$(pooled busybox | wc -l)"
check_not "the gone one is not pooled any more" grep -qx -- "${now[0]}" <(pooled busybox)

echo "== a smaller pool is trimmed, no pool is emptied"
fill before-trim
with_pool '{ template = "busybox"; size = 1; }'
fill trim
check_eq "one pooled container left" 1 "$(pooled busybox | wc -l)"
check "the fill says which went" grep -q "removed" "$TMP/fill-trim.out"
drain
fill empty
check_eq "no pool: no pooled entries" 0 "$(jq '[.hostnames[] | select(.pool != null)] | length' "$reg")"
check_eq "no pool: no pooled instances in LXD" "" "$(lxd_pool_instances)"

echo "== Debian from the pool: a real login"
with_pool "{ template = \"$CTGATE_DEBIAN_TEMPLATE\"; size = 1; }"
fill debian
check_eq "a pooled Debian container" 1 "$(pooled "$CTGATE_DEBIAN_TEMPLATE" | wc -l)"
d=$(name_for deb)
CREATED_NAMES+=("$d")
gw_run "$TMP/deb" alice -- create --hostname "$d" --template "$CTGATE_DEBIAN_TEMPLATE" --json
check_eq "create --template debian succeeds" 0 "$(cat "$TMP/deb.rc")"
check "it was claimed from the pool" [ -n "$(claimed_instance "$d")" ]
port=$(jq -r --arg h "$d" '.hostnames[$h].ssh_port' "$reg")
login() {
    ssh -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
        -p "$port" alice@127.0.0.1 'hostname; id -un' 2>/dev/null
}
check_eq "alice logs in with her key and the container calls itself $d" "$d alice" \
    "$(login | tr '\n' ' ' | sed 's/ $//')"
gw_run "$TMP/deb-del" alice -- delete "$d" --yes
check_eq "delete succeeds" 0 "$(cat "$TMP/deb-del.rc")"
