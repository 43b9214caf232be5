#!/bin/bash
# ctgate-agent reap, run as the agent's account as cron or a timer would:
# a container whose expiry has passed is stopped; once the grace period (1h
# in the rig) has passed too it is deleted, its name and ports freed and
# nginx regenerated; containers not yet expired, or without expiry, stay.
# Records of finished creates older than requests.keep are pruned.
# Time is moved by rewriting the expiry the backend stores, as if hours had passed.
source "$(dirname "$0")/../lib.sh"

set_expires() { set_meta "$1" expires "$2"; } # NAME RFC3339
ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }

a=$(name_for xa) b=$(name_for xb)
CREATED_NAMES+=("$a" "$b")
gw_run "$TMP/a" alice -T -- create --hostname "$a" --expires 1h --json
gw_run "$TMP/b" alice -T -- create --hostname "$b" --expires 30d
check_eq "created two" "0 0" "$(cat "$TMP/a.rc") $(cat "$TMP/b.rc")"
port=$(jq -r .data.ssh_port "$TMP/a.out")

agent_cmd reap >"$TMP/r0.out" 2>&1
check_eq "nothing due: exit 0" 0 "$?"
check_not "nothing due: says nothing about them" grep -q "$a\|$b" "$TMP/r0.out"

echo "-- expired 10 minutes ago: stopped"
set_expires "$a" "$(ago '10 minutes')"
agent_cmd reap --dry-run >"$TMP/r1d.out" 2>&1
check "--dry-run says it would stop it" grep -q "^stop $a .*\[dry run\]" "$TMP/r1d.out"
check_eq "--dry-run: still Running" Running "$(lxd_state "$a")"
agent_cmd reap >"$TMP/r1.out" 2>&1
check_eq "exit 0" 0 "$?"
check "says stop" grep -q "^stop $a (owner alice, expired " "$TMP/r1.out"
check_eq "LXD: Stopped" Stopped "$(lxd_state "$a")"
check "still reserved" registry_has "$a"
check_eq "the other one is untouched" Running "$(lxd_state "$b")"
agent_cmd reap >"$TMP/r1b.out" 2>&1
check_not "a stopped one is not stopped again" grep -q "$a" "$TMP/r1b.out"
gw_run "$TMP/l" alice -T -- list
check "its owner sees it stopped, with its expiry" grep -qE "^$a +[0-9]+ +Stopped .* $(lxd_config "$a" user.ctgate.expires)$" "$TMP/l.out"

echo "-- expired 2 hours ago (past the 1h grace): deleted"
set_expires "$a" "$(ago '2 hours')"
agent_cmd reap >"$TMP/r2.out" 2>&1
check_eq "exit 0" 0 "$?"
check "says delete" grep -q "^delete $a (owner alice" "$TMP/r2.out"
check_eq "LXD: gone" 404 "$(lxd_status_code "/1.0/instances/$a")"
check_not "name released" registry_has "$a"
check_not "nginx no longer forwards its SSH port $port" grep -q "$port" "$CTGATE_NGINX_DIR/ctgate/stream.conf"
check_eq "the other one is still untouched" Running "$(lxd_state "$b")"
agent_cmd reconcile >"$TMP/rc.out" 2>&1
check_eq "reconcile agrees afterwards" 0 "$?"
agent_cmd audit show --name "$a" --json >"$TMP/ra.json" 2>&1
check "audited as @reaper (no LDAP uid can spell it): a begin record, then the result naming it" \
    jq_true -s 'map(select(.op == "reap-delete")) | length == 2 and all(.who.uid == "@reaper")
        and .[0].phase == "begin" and .[1].result.ok and .[1].begin == .[0].seq' "$TMP/ra.json"
agent_cmd audit show --user @reaper >"$TMP/rs.out" 2>&1
check "audit show --user @reaper lists them" grep -qE " @reaper +reap-stop +$a " "$TMP/rs.out"

echo "-- a container without expiry is never reaped"
set_meta "$b" expires ""
agent_cmd reap >"$TMP/r3.out" 2>&1
check_not "not mentioned" grep -q "$b" "$TMP/r3.out"
check_eq "Running" Running "$(lxd_state "$b")"
echo "-- records of finished creates older than requests.keep (30d by default) are pruned"
rid_a=$(jq -r .data.request_id "$TMP/a.out")
rid_b=$(lxd_config "$b" user.ctgate.request_id)
old_rec=$CTGATE_AGENT_STATE/requests/alice.$rid_a.json # request ids are scoped to their owner
check "the first create's record is there" test -f "$old_rec"
touch -d "31 days ago" "$old_rec"
agent_cmd reap --dry-run >"$TMP/r4d.out" 2>&1
check "--dry-run says it would prune" grep -qE "^would prune [0-9]+ request records? older than 30d \[dry run\]" "$TMP/r4d.out"
check "--dry-run: still there" test -f "$old_rec"
agent_cmd reap >"$TMP/r4.out" 2>&1
check_eq "exit 0" 0 "$?"
check "says pruned" grep -qE "^pruned [0-9]+ request records? older than 30d$" "$TMP/r4.out"
check_not "the 31-day-old record is gone" test -e "$old_rec"
check "a recent one stays" test -f "$CTGATE_AGENT_STATE/requests/alice.$rid_b.json"
gw_run "$TMP/again" alice -T -- create --hostname "$a" --expires 1h --request-id "$rid_a" --json
check_eq "its request id now makes a new container" "true null" "$(jq -r '"\(.ok) \(.data.repeated)"' "$TMP/again.out")"
gw_run "$TMP/again-del" alice -T -- delete "$a" --yes
check_eq "deleted" 0 "$(cat "$TMP/again-del.rc")"

for f in "$TMP"/r*.out "$TMP"/rc.out; do check_no_sanitizer_report "$f"; done
