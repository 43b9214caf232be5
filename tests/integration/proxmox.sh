#!/bin/bash
# The proxmox backend's own behaviour (issue 18), against the rig's Proxmox VE API double
# (CTGATE_BACKEND=proxmox tests/rig.sh up; run by `make integration` after the LXD suites):
# CTIDs under a nextid thief, parallel clones of one template, a template locked for good,
# placement around an offline and a full node, no node at all, a wrong token, a task that
# fails, and what ctgate wrote to Proxmox (tags, description, ACL) read back from the double.
source "$(dirname "$0")/../lib.sh"

if [ "${CTGATE_BACKEND:-lxd}" != proxmox ]; then
    fail "run with CTGATE_BACKEND=proxmox (tests/run-integration.sh does)"
    exit 1
fi
umask 077
chmod 0755 "$TMP" # the agent's account reads the config copies in it
ctl() { # JSON: one control operation of the double
    curl -sf --max-time 30 --cacert "$CTGATE_LDAP_CA" -X POST -H "Content-Type: application/json" \
        -H "Authorization: Bearer $(cat "$CTGATE_PVE_CONTROL_TOKEN")" -d "$1" \
        "$CTGATE_PVE_URL/_sim/ctl" >/dev/null
}
state() { jq "$@" "$CTGATE_PVE_STATE/state.json"; }
# conf_with FILE SED-EXPRESSION...: a copy of the rig's agent.conf, changed in its proxmox section.
conf_with() {
    local out=$1
    shift
    sed "$@" "$CTGATE_AGENT_CONF" >"$out"
    chmod 0644 "$out"
}
agent_with() { # CONF REQUEST OUT
    runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$1" \
        <<<"$2" >"$3.out" 2>"$3.err"
    echo $? >"$3.rc"
    check_no_sanitizer_report "$3.err"
}
node_of() { state -r --arg h "$1" '[.cts[] | select(.hostname == $h)][0].node'; }
trap 'ctl "{\"op\":\"reset\"}" || true; finish' EXIT

echo "-- 16 parallel creates while another client takes ids from nextid"
thief() {
    local id
    while [ ! -e "$TMP/stop-thief" ]; do
        id=$(curl -sf --max-time 10 --cacert "$CTGATE_LDAP_CA" \
            -H "Authorization: PVEAPIToken=$(cat "$CTGATE_PVE_STATE/tokens")" \
            "$CTGATE_PVE_URL/api2/json/cluster/nextid" | jq -r .data) || continue
        ctl "{\"op\":\"take-id\",\"vmid\":$id,\"node\":\"pve3\",\"kind\":\"qemu\"}" && echo "$id" >>"$TMP/stolen"
    done
}
pct_log_from=$(($(wc -l <"$CTGATE_RIG_DIR/pct.log") + 1))
thief &
thief_pid=$!
for i in $(seq 1 16); do
    CREATED_NAMES+=("$(name_for par$i)")
    agent_send "$(req_create alice "$(name_for par$i)")" "$TMP/par$i" &
done
wait $(jobs -p | grep -vx "$thief_pid")
touch "$TMP/stop-thief"
wait "$thief_pid"
ok=0
for i in $(seq 1 16); do
    if [ "$(result_field "$TMP/par$i" .ok)" = true ]; then
        ok=$((ok + 1))
    else
        echo "    | create $i: $(result_of "$TMP/par$i")"
        failed_parallel=1
    fi
done
if [ -n "${failed_parallel:-}" ]; then
    # Which pct calls were slow (10 s or more) or never came back: the stand-in logs each one.
    awk '/ start pct / { open[$2] = $0; next }
         { for (i = 1; i <= NF; i++) if ($i ~ /^\[[0-9]+\]$/) delete open[$i]
           ms = $2; sub(/ms$/, "", ms); if (ms + 0 >= 10000) print "    | slow: " $0 }
         END { for (p in open) print "    | unfinished: " open[p] }' \
        <(tail -n +"$pct_log_from" "$CTGATE_RIG_DIR/pct.log")
fi
check_eq "all 16 created" 16 "$ok"
check "the thief took ids meanwhile" test "$(wc -l <"$TMP/stolen")" -gt 3
for i in $(seq 1 16); do result_field "$TMP/par$i" .data.ctid; done >"$TMP/ctids"
check_eq "16 distinct CTIDs" 16 "$(sort -u "$TMP/ctids" | grep -c '^[0-9]')"
check_eq "none of them an id the thief took" "" "$(grep -xFf "$TMP/stolen" "$TMP/ctids")"
check "each CTID is its container's vmid" bash -c '
    for i in $(seq 1 16); do
        n=$(jq -r .data.name <<<"$(grep "\"type\":\"result\"" "'"$TMP"'/par$i.out")")
        c=$(jq -r .data.ctid <<<"$(grep "\"type\":\"result\"" "'"$TMP"'/par$i.out")")
        [ "$(jq -r --arg h "$n" "[.cts[] | select(.hostname == \$h)][0].vmid" "'"$CTGATE_PVE_STATE"'/state.json")" = "$c" ] || exit 1
    done'
check "spread over the nodes (least memory first)" test "$(for i in $(seq 1 16); do node_of "$(name_for par$i)"; done | sort -u | wc -l)" -ge 2
for i in $(seq 1 16); do agent_send "$(req_named delete alice "$(name_for par$i)")" "$TMP/pd$i" & done
wait
ok=0
for i in $(seq 1 16); do [ "$(result_field "$TMP/pd$i" .ok)" = true ] && ok=$((ok + 1)); done
check_eq "and all 16 deleted" 16 "$ok"
ctl '{"op":"reset"}'

echo "-- 4 parallel clones of one template on one node (Proxmox locks the source)"
conf_with "$TMP/pve1.conf" -e 's/^  nodes = \[ \];/  nodes = [ "pve1" ];/'
check "the copy allows pve1 only" grep -q 'nodes = \[ "pve1" \];' "$TMP/pve1.conf"
for i in 1 2 3 4; do
    CREATED_NAMES+=("$(name_for one$i)")
    agent_with "$TMP/pve1.conf" "$(req_create alice "$(name_for one$i)")" "$TMP/one$i" &
done
wait
ok=0
for i in 1 2 3 4; do [ "$(result_field "$TMP/one$i" .ok)" = true ] && ok=$((ok + 1)); done
check_eq "all four succeed" 4 "$ok"
check_eq "all on pve1" "pve1" "$(for i in 1 2 3 4; do node_of "$(name_for one$i)"; done | sort -u | xargs)"
for i in 1 2 3 4; do agent_with "$TMP/pve1.conf" "$(req_named delete alice "$(name_for one$i)")" "$TMP/od$i"; done

echo "-- the template locked for good: a clean timeout and rollback"
conf_with "$TMP/lock.conf" -e 's/^  nodes = \[ \];/  nodes = [ "pve1" ];/' -e 's/^  timeout = 300;/  timeout = 4;/'
check "the copy waits 4 s for a template" grep -q '^  timeout = 4;' "$TMP/lock.conf"
ctl '{"op":"lock","vmid":9000,"lock":"disk"}'
n=$(name_for locked)
CREATED_NAMES+=("$n")
start=$(date +%s)
agent_with "$TMP/lock.conf" "$(req_create alice "$n")" "$TMP/lk"
took=$(($(date +%s) - start))
ctl '{"op":"unlock","vmid":9000}'
check_eq "exit 7 (timeout)" 7 "$(cat "$TMP/lk.rc")"
check_eq "timeout at clone" "timeout/clone" "$(result_field "$TMP/lk" '.error.code + "/" + .error.step')"
check "Proxmox's words" jq_true '.error.message | test("CT is locked \\(disk\\)")' <<<"$(result_of "$TMP/lk")"
check "after about the timeout (${took}s)" test "$took" -ge 4 -a "$took" -lt 30
check_eq "no CT left" null "$(pve_ctid "$n")"
check_not "the name is free again" registry_has "$n"

echo "-- placement: pve2 offline, pve3 nearly full: creates land on pve1"
ctl '{"op":"node-offline","node":"pve2"}'
ctl '{"op":"node-set","node":"pve3","mem":8388608000,"maxmem":8388608000}'
for i in 1 2; do
    CREATED_NAMES+=("$(name_for pl$i)")
    agent_send "$(req_create alice "$(name_for pl$i)")" "$TMP/pl$i"
    check_eq "create $i: ok" true "$(result_field "$TMP/pl$i" .ok)"
    check_eq "create $i: on pve1" pve1 "$(node_of "$(name_for pl$i)")"
done
for i in 1 2; do agent_send "$(req_named delete alice "$(name_for pl$i)")" "$TMP/pld$i"; done
ctl '{"op":"node-offline","node":"pve1"}'
n=$(name_for nonode)
CREATED_NAMES+=("$n")
agent_send "$(req_create alice "$n")" "$TMP/nn"
check_eq "every node unavailable: exit 6" 6 "$(cat "$TMP/nn.rc")"
check "naming them" jq_true '.error.message | test("pve1") and test("pve2") and test("pve3")' <<<"$(result_of "$TMP/nn")"
check_not "the name is free again" registry_has "$n"
ctl '{"op":"reset"}'

echo "-- a wrong token: exit 6 with Proxmox's words, within 5 s"
install -m 0600 -o "$CTGATE_AGENT_USER" /dev/null "$TMP/wrong-token"
printf 'root@pam!ctgate=00000000-0000-0000-0000-000000000000\n' >"$TMP/wrong-token"
conf_with "$TMP/token.conf" -e "s|^  token_file = .*|  token_file = \"$TMP/wrong-token\";|"
n=$(name_for tok)
CREATED_NAMES+=("$n")
start=$(date +%s%N)
agent_with "$TMP/token.conf" "$(req_create alice "$n")" "$TMP/tk"
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "exit 6" 6 "$(cat "$TMP/tk.rc")"
check "Authentication failed!" jq_true '.error.message | test("Authentication failed!")' <<<"$(result_of "$TMP/tk")"
check "within 5 s (${ms} ms; Proxmox delays a 401 by 3 s)" test "$ms" -lt 5000
check_not "the secret is in no output" grep -q "00000000-0000-0000-0000-000000000000" "$TMP/tk.out" "$TMP/tk.err"
check_not "nor the real one" grep -qF "$(cut -d= -f2 "$CTGATE_PVE_STATE/tokens")" "$TMP/tk.out" "$TMP/tk.err"
check_not "the name is free again (nothing was made)" registry_has "$n"
chmod 0644 "$TMP/wrong-token"
agent_with "$TMP/token.conf" "$(req_create alice "$n")" "$TMP/tk2"
check_eq "a token file others can read is refused: exit 6" 6 "$(cat "$TMP/tk2.rc")"

echo "-- a clone task that ends in an error: rolled back, its text shown"
ctl '{"op":"fail-next","type":"vzclone","text":"clone failed: out of space on local-lvm"}'
n=$(name_for taskerr)
CREATED_NAMES+=("$n")
agent_send "$(req_create alice "$n")" "$TMP/te"
check_eq "exit 6" 6 "$(cat "$TMP/te.rc")"
check "the task's words" jq_true '.error.message | test("clone failed: out of space on local-lvm")' <<<"$(result_of "$TMP/te")"
check_eq "at clone" clone "$(result_field "$TMP/te" .error.step)"
check_eq "no CT left" null "$(pve_ctid "$n")"
check_not "the name is free again" registry_has "$n"

echo "-- WARNINGS: 1 is a success"
ctl '{"op":"warn-next","type":"vzstart","count":1}'
n=$(name_for warn)
CREATED_NAMES+=("$n")
agent_send "$(req_create alice "$n")" "$TMP/w"
check_eq "created" true "$(result_field "$TMP/w" .ok)"
agent_send "$(req_named delete alice "$n")" "$TMP/wd"

echo "-- what ctgate wrote to Proxmox, read back: tags, description, ACL"
conf_with "$TMP/acl.conf" -e 's/^  placement = "least-memory";/&\n  acl_role = "PVEVMUser";\n  acl_user_suffix = "@ldap";/'
check "the copy gives an ACL" grep -q 'acl_role = "PVEVMUser";' "$TMP/acl.conf"
n=$(name_for meta)
CREATED_NAMES+=("$n")
agent_with "$TMP/acl.conf" "$(req_create alice "$n" | jq -c '.description = "Q3 demo"')" "$TMP/m"
check_eq "created" true "$(result_field "$TMP/m" .ok)"
ctid=$(result_field "$TMP/m" .data.ctid)
check_eq "its CTID is the vmid" "$ctid" "$(pve_ctid "$n")"
check_eq "tags: ctgate, the owner, the template (Proxmox's order)" "alice;busybox;ctgate" \
    "$(state -r --arg h "$n" '[.cts[] | select(.hostname == $h)][0].config.tags')"
check_eq "description: the owner" alice "$(pve_meta "$n" owner)"
check_eq "the request id" "$(result_field "$TMP/m" .data.request_id)" "$(pve_meta "$n" request_id)"
check_eq "the template" busybox "$(pve_meta "$n" template)"
check_eq "the user's description" "Q3 demo" "$(pve_meta "$n" description)"
check "when it expires (the rig's default 7d)" grep -qE '^20[0-9-]{8}T[0-9:]{8}Z$' <<<"$(pve_meta "$n" expires)"
check_eq "limits: cores and memory (MiB)" "1/128" \
    "$(state -r --arg h "$n" '[.cts[] | select(.hostname == $h)][0].config | "\(.cores)/\(.memory)"')"
check_eq "the owner's ACL on /vms/CTID" "alice@ldap PVEVMUser" \
    "$(state -r --arg p "/vms/$ctid" '[.acl[] | select(.path == $p)][0] | "\(.ugid) \(.roleid)"')"
agent_with "$TMP/acl.conf" "$(req_named delete alice "$n")" "$TMP/md"
check_eq "deleted" true "$(result_field "$TMP/md" .ok)"
check_eq "its ACL went with it" 0 "$(state --arg p "/vms/$ctid" '[.acl[] | select(.path == $p)] | length')"
check_eq "no CT left" null "$(pve_ctid "$n")"

echo "-- static addresses: net0's ip= (its MAC kept), the container answers there"
# An address of the double's own range that no lease holds now: the double's CTs get a new
# MAC at every clone, and dnsmasq does not hand an address leased to one MAC to another.
read -r first last <<<"${CTGATE_PVE_STATIC_ADDRESSES:?the rig exports CTGATE_PVE_STATIC_ADDRESSES}"
check "the rig's DHCP leases can be read" test -r "$CTGATE_DHCP_LEASES"
free=""
for ((i = ${last##*.}; i >= ${first##*.}; i--)); do
    if ! awk -v a="${first%.*}.$i" '$3 == a { found = 1 } END { exit !found }' "$CTGATE_DHCP_LEASES"; then
        free=${first%.*}.$i
        break
    fi
done
check "a free address in $first-$last (the leases last 10 minutes: too many runs at once?)" test -n "$free"
last=${free:-$last}
{ cat "$CTGATE_AGENT_CONF"; printf 'addresses = [ "%s", "%s" ];\n' "$last" "$last"; } >"$TMP/static.conf"
chmod 0644 "$TMP/static.conf"
n=$(name_for static)
CREATED_NAMES+=("$n")
agent_with "$TMP/static.conf" "$(req_create alice "$n")" "$TMP/st"
check_eq "created" true "$(result_field "$TMP/st" .ok)"
check_eq "at the range's address" "$last" "$(result_field "$TMP/st" .data.ipv4)"
net0=$(state -r --arg h "$n" '[.cts[] | select(.hostname == $h)][0].config.net0')
check "net0 has ip=$last/24 and the bridge as gw" grep -q "ip=$last/24,gw=${last%.*}.1" <<<"$net0"
check_eq "net0's MAC is still the container's" \
    "$(lxd_get "/1.0/instances/$n" | jq -r '.metadata.config["volatile.eth0.hwaddr"]')" \
    "$(sed -n 's/.*hwaddr=\([^,]*\).*/\1/p' <<<"$net0" | tr 'A-F' 'a-f')"
check "it answers there" curl -sf --max-time 5 -o /dev/null "http://$last/"
n2=$(name_for static2)
CREATED_NAMES+=("$n2")
agent_with "$TMP/static.conf" "$(req_create alice "$n2")" "$TMP/st2"
check_eq "the range is full: not_allowed" not_allowed "$(result_field "$TMP/st2" .error.code)"
check_eq "and no CT was made" null "$(pve_ctid "$n2")"
agent_with "$TMP/static.conf" "$(req_named delete alice "$n")" "$TMP/std"
check_eq "deleted" true "$(result_field "$TMP/std" .ok)"
