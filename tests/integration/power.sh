#!/bin/bash
# start, stop and restart through the real ssh client: the state LXD reports
# changes; repeating a state is fine; somebody else's container and a missing
# one give the same "not found" (exit 4) and are not touched; an admin may.
source "$(dirname "$0")/../lib.sh"

a=$(name_for wa)
CREATED_NAMES+=("$a")
gw_run "$TMP/c" alice -T -- create --hostname "$a" --json
check_eq "created" 0 "$(cat "$TMP/c.rc")"
ip=$(jq -r .data.ipv4 "$TMP/c.out")

gw_run "$TMP/stop" alice -T -- stop "$a"
check_eq "stop: exit 0" 0 "$(cat "$TMP/stop.rc")"
check_eq "stop: LXD says Stopped" Stopped "$(lxd_state "$a")"
check "stop: says so" grep -q "$a is Stopped" "$TMP/stop.out"
gw_run "$TMP/stop2" alice -T -- stop "$a" --json
check_eq "stop again: exit 0" 0 "$(cat "$TMP/stop2.rc")"
check "stop again: --json state" jq_true '.ok and .data.state == "Stopped"' "$TMP/stop2.out"

gw_run "$TMP/start" alice -T -- start "$a" --json
check_eq "start: exit 0" 0 "$(cat "$TMP/start.rc")"
check_eq "start: LXD says Running" Running "$(lxd_state "$a")"
check "start: waits for the address" jq_true '.data.ipv4 != null' "$TMP/start.out"
check "nginx still routes to the address the container has" grep -q "proxy_pass http://$(jq -r .data.ipv4 "$TMP/start.out"):80;" "$CTGATE_NGINX_DIR/ctgate/http.conf"

pid1=$(lxd_get "/1.0/instances/$a/state" | jq .metadata.pid)
gw_run "$TMP/restart" alice -T -- restart "$a"
check_eq "restart: exit 0" 0 "$(cat "$TMP/restart.rc")"
check_eq "restart: Running" Running "$(lxd_state "$a")"
check_ne "restart: a new init process" "$pid1" "$(lxd_get "/1.0/instances/$a/state" | jq .metadata.pid)"
check "restart: progress shown" grep -q "restart" "$TMP/restart.out"

echo "-- not yours, not there: the same answer, nothing touched"
password_of bob > "$TMP/b.in"
for op in stop restart start; do
    cp "$TMP/b.in" "$TMP/bob-$op.in"
    gw_run "$TMP/bob-$op" bob -T -- "$op" "$a" --user bob --password-stdin
    check_eq "bob $op alice's: exit 4" 4 "$(cat "$TMP/bob-$op.rc")"
    cp "$TMP/b.in" "$TMP/miss-$op.in"
    gw_run "$TMP/miss-$op" bob -T -- "$op" "$(name_for nothere)" --user bob --password-stdin
    check_eq "bob $op a missing one: same words" "$(sed "s/$a/NAME/" "$TMP/bob-$op.err")" "$(sed "s/$(name_for nothere)/NAME/" "$TMP/miss-$op.err")"
done
check_eq "alice's container still Running" Running "$(lxd_state "$a")"
password_of dave > "$TMP/d.in"
gw_run "$TMP/d" dave -T -- stop "$a" --user dave --password-stdin
check_eq "dave (admin) may stop it" 0 "$(cat "$TMP/d.rc")"
check_eq "Stopped by the admin" Stopped "$(lxd_state "$a")"
gw_run "$TMP/bad" alice -T -- stop 'x;y'
check_eq "a bad name: exit 2" 2 "$(cat "$TMP/bad.rc")"
