#!/bin/bash
# Snapshots (issue 19.3): a user snapshots their container, changes a file, restores, and the
# file is back (a running container is restarted and published again; a stopped one stays
# stopped); the list shows them; a name taken twice is a conflict (exit 5); restore needs
# confirmation without a terminal; bob can do none of it to alice's container (the same words
# as a missing one); the per-user snapshot quota refuses the next one (exit 4) until one is
# deleted; every snapshot and restore is in the audit trail.
source "$(dirname "$0")/../lib.sh"

lxc_rig() { LXD_DIR=$CTGATE_LXD_DIR lxc "$@"; }
inside() { lxc_rig exec "$1" -- sh -c "$2" </dev/null; }
http=$CTGATE_NGINX_DIR/ctgate/http.conf
agent_as() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" "$@"; }

n=$(name_for sn)
CREATED_NAMES+=("$n")
gw_run "$TMP/c" alice -T -- create --hostname "$n" --json
check_eq "create $n" 0 "$(cat "$TMP/c.rc")"
gw_run "$TMP/l0" alice -T -- snapshots "$n"
check_eq "snapshots of a new container: exit 0" 0 "$(cat "$TMP/l0.rc")"
check "none yet" grep -q "has no snapshots" "$TMP/l0.out"

inside "$n" 'echo original > /root/kept'
gw_run "$TMP/s1" alice -T -- snapshot "$n" before
check_eq "snapshot $n before: exit 0" 0 "$(cat "$TMP/s1.rc")" || sed 's/^/    | /' "$TMP/s1.err"
check "says so" grep -q "Took snapshot before of $n" "$TMP/s1.out"
inside "$n" 'echo changed > /root/kept; echo new > /root/added'
check_eq "the file changed" changed "$(inside "$n" 'cat /root/kept')"

gw_run "$TMP/r0" alice -T -- restore "$n" before
check_eq "restore without --yes and without a terminal: exit 2" 2 "$(cat "$TMP/r0.rc")"
check "it asks for --yes" grep -q "needs confirmation: add --yes" "$TMP/r0.err"
check_eq "nothing was rolled back" changed "$(inside "$n" 'cat /root/kept')"

gw_run "$TMP/r1" alice -T -- restore "$n" before --yes --json
check_eq "restore $n before --yes: exit 0" 0 "$(cat "$TMP/r1.rc")" || sed 's/^/    | /' "$TMP/r1.err"
check_eq "it runs again" Running "$(lxd_state "$n")"
check_eq "the file is back" original "$(inside "$n" 'cat /root/kept')"
check "the file written since is gone" inside "$n" 'test ! -e /root/added'
ip=$(jq -r .data.ipv4 "$TMP/r1.out")
check "published again at its address ($ip)" grep -q "proxy_pass http://$ip:80;" "$http"
check "the answer names the snapshot" jq_true '.data.snapshot == "before" and .data.state == "Running"' "$TMP/r1.out"

gw_run "$TMP/s2" alice -T -- snapshot "$n" before
check_eq "the same name again: exit 5" 5 "$(cat "$TMP/s2.rc")"
check "already exists" grep -q "already exists: $n has a snapshot named before" "$TMP/s2.err"
gw_run "$TMP/s3" alice -T -- snapshot "$n" --json
check_eq "a snapshot without a name: exit 0" 0 "$(cat "$TMP/s3.rc")"
check "named by the time" jq_true '.data.snapshot | test("^snap-[0-9]{8}-[0-9]{6}$")' "$TMP/s3.out"
gw_run "$TMP/s4" alice -T -- snapshot "$n" Bad_Name
check_eq "a bad name: exit 2" 2 "$(cat "$TMP/s4.rc")"
gw_run "$TMP/l1" alice -T -- snapshots "$n" --json
check "the list: before, then the unnamed one, each with its time" jq_true \
    '.data.snapshots | length == 2 and .[0].name == "before" and (.[1].name | startswith("snap-")) and all(.[]; .created | test("^20[0-9-]{8}T[0-9:]{8}Z$"))' \
    "$TMP/l1.out"
gw_run "$TMP/r2" alice -T -- restore "$n" nosuch --yes
check_eq "restore of a snapshot that is not there: exit 4" 4 "$(cat "$TMP/r2.rc")"
check "says so" grep -q "has no snapshot nosuch" "$TMP/r2.err"

echo "-- bob cannot touch alice's snapshots"
password_of bob >"$TMP/b1.in"
gw_run "$TMP/b1" bob -T -- snapshot "$n" mine --user bob --password-stdin
password_of bob >"$TMP/b2.in"
gw_run "$TMP/b2" bob -T -- snapshots "$n" --user bob --password-stdin
password_of bob >"$TMP/b3.in"
gw_run "$TMP/b3" bob -T -- restore "$n" before --yes --user bob --password-stdin
for c in b1 b2 b3; do
    check_eq "bob ($c): exit 4" 4 "$(cat "$TMP/$c.rc")"
    check "bob ($c): the words of a missing container" grep -q "no such container: $n" "$TMP/$c.err"
done
check_eq "bob made no snapshot" 2 "$(lxd_get "/1.0/instances/$n/snapshots" | jq '.metadata | length')"

echo "-- a stopped container is rolled back and stays stopped"
inside "$n" 'echo changed-again > /root/kept'
gw_run "$TMP/st" alice -T -- stop "$n"
check_eq "stopped" Stopped "$(lxd_state "$n")"
gw_run "$TMP/r3" alice -T -- restore "$n" before --yes
check_eq "restore of a stopped one: exit 0" 0 "$(cat "$TMP/r3.rc")"
check_eq "still stopped" Stopped "$(lxd_state "$n")"
gw_run "$TMP/st2" alice -T -- start "$n"
check_eq "started again" Running "$(lxd_state "$n")"
check_eq "the file is the snapshot's" original "$(inside "$n" 'cat /root/kept')"

echo "-- the snapshot quota (erin: 2)"
as_erin() { local p=$1; shift; password_of erin >"$p.in"; gw_run "$p" erin -T -- "$@" --user erin --password-stdin; }
rm -f "$CTGATE_AGENT_STATE/rate/erin"
e=$(name_for sne)
CREATED_NAMES+=("$e")
as_erin "$TMP/ec" create --hostname "$e"
check_eq "erin's container" 0 "$(cat "$TMP/ec.rc")" || sed 's/^/    | /' "$TMP/ec.err"
as_erin "$TMP/e1" snapshot "$e" one
as_erin "$TMP/e2" snapshot "$e" two
check_eq "her first two: exit 0, 0" "0 0" "$(cat "$TMP/e1.rc") $(cat "$TMP/e2.rc")"
as_erin "$TMP/e3" snapshot "$e" three
check_eq "a third: exit 4" 4 "$(cat "$TMP/e3.rc")"
check "quota exceeded, saying how to free one" grep -q "quota exceeded: you have 2 snapshots, the most allowed is 2 (snapshot NAME SNAP --delete removes one)" "$TMP/e3.err"
as_erin "$TMP/ed" snapshot "$e" one --delete
check_eq "--delete one: exit 0" 0 "$(cat "$TMP/ed.rc")"
check "says so" grep -q "Deleted snapshot one of $e" "$TMP/ed.out"
as_erin "$TMP/e4" snapshot "$e" three
check_eq "then the third fits: exit 0" 0 "$(cat "$TMP/e4.rc")"
as_erin "$TMP/e5" snapshot "$e" one --delete
check_eq "--delete of one that is not there: exit 4" 4 "$(cat "$TMP/e5.rc")"
as_erin "$TMP/edel" delete "$e" --yes
check_eq "erin's container deleted" 0 "$(cat "$TMP/edel.rc")"

echo "-- the audit trail"
agent_as --config "$CTGATE_AGENT_CONF" audit show --name "$n" --json >"$TMP/audit.json"
check "the snapshots are recorded" jq_true -s '[.[] | select(.op == "snapshot" and .result.ok)] | length >= 2' "$TMP/audit.json"
check "so are the restores, with their snapshot" jq_true -s '[.[] | select(.op == "restore" and .result.ok and .params.snapshot == "before")] | length >= 2' "$TMP/audit.json"
# bob's restore stopped at the gateway's ownership check, a "snapshots" that was refused.
check "and bob's refused attempts" jq_true -s '[.[] | select(.who.uid == "bob" and .result != null)] | length == 3 and all(.[]; .result.ok | not)' "$TMP/audit.json"

gw_run "$TMP/d" alice -T -- delete "$n" --yes
check_eq "delete $n" 0 "$(cat "$TMP/d.rc")"
check_eq "its snapshots went with it" 404 "$(lxd_status_code "/1.0/instances/$n/snapshots")"
