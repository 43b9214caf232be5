#!/bin/bash
# Small leaks, part two (issue 16, item 5):
# - `start` and `restart` of an expired container are refused (exit 4), for
#   its owner and for an admin, saying when it expired and when the reaper
#   deletes it; `stop` still works;
# - nginx answers a name it does not know with 404, never with a container:
#   the generated http.conf starts with a catch-all server;
# - users never see host paths or the backend's own words (LXD's, nginx's,
#   the configuration's file names): the answer names the error and a
#   reference, the agent's log has the detail.
source "$(dirname "$0")/../lib.sh"

ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
set_expires() { # NAME RFC3339
    curl -s --max-time 30 --unix-socket "$CTGATE_LXD_SOCKET" -X PATCH \
        -d "{\"config\":{\"user.ctgate.expires\":\"$2\"}}" "http://lxd/1.0/instances/$1" >/dev/null
}
# A user-facing message: no absolute path, no LXD or nginx wording.
clean_message() { ! grep -qE '(^|[ :(="'"'"'])/[A-Za-z0-9._-]|LXD|lxd|nginx|unix\.socket|emerg' <<<"$1"; }
agent_as() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" "$@"; }

echo "-- an expired container is not started again"
x=$(name_for xp)
CREATED_NAMES+=("$x")
gw_run "$TMP/c" alice -T -- create --hostname "$x" --expires 1h --json
check_eq "created" 0 "$(cat "$TMP/c.rc")"
gw_run "$TMP/s0" alice -T -- stop "$x"
check_eq "stopped" Stopped "$(lxd_state "$x")"
when=$(ago '10 minutes')
set_expires "$x" "$when"
check_eq "LXD holds the past expiry" "$when" "$(lxd_config "$x" user.ctgate.expires)"
gw_run "$TMP/st" alice -T -- start "$x"
check_eq "start: exit 4" 4 "$(cat "$TMP/st.rc")"
check "start: says it expired, when, and that the reaper deletes it" \
    grep -qE "$x expired at $when .*the reaper deletes it .*at [0-9T:-]+Z" "$TMP/st.err"
check_eq "still Stopped" Stopped "$(lxd_state "$x")"
gw_run "$TMP/rs" alice -T -- restart "$x" --json
check_eq "restart: exit 4" 4 "$(cat "$TMP/rs.rc")"
check "restart: not_allowed" jq_true '.ok == false and .error.code == "not_allowed" and (.error.message | test("expired at"))' "$TMP/rs.out"
check_eq "still Stopped after restart" Stopped "$(lxd_state "$x")"
password_of dave > "$TMP/d.in"
gw_run "$TMP/d" dave -T -- start "$x" --user dave --password-stdin
check_eq "an admin is refused too: exit 4" 4 "$(cat "$TMP/d.rc")"
check_eq "still Stopped after the admin's start" Stopped "$(lxd_state "$x")"
gw_run "$TMP/s1" alice -T -- stop "$x"
check_eq "stop of an expired (stopped) one is fine: exit 0" 0 "$(cat "$TMP/s1.rc")"
set_expires "$x" "$(date -u -d '1 hour' +%Y-%m-%dT%H:%M:%SZ)"
gw_run "$TMP/st2" alice -T -- start "$x"
check_eq "with the expiry in the future again: start exit 0" 0 "$(cat "$TMP/st2.rc")"
check_eq "Running" Running "$(lxd_state "$x")"

echo "-- unknown names get 404 from nginx"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: unknown-$RUN_ID.$CTGATE_DOMAIN" \
    "http://127.0.0.1:$CTGATE_HTTP_PORT/")
check_eq "Host: unknown-$RUN_ID.$CTGATE_DOMAIN: 404" 404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $CTGATE_DOMAIN" \
    "http://127.0.0.1:$CTGATE_HTTP_PORT/")
check_eq "Host: $CTGATE_DOMAIN (no name): 404" 404 "$code"
# The rig's nginx.conf has a default_server of its own: the generated file must not need it.
check "http.conf's first server is the catch-all" \
    test "$(grep -m1 -A2 '^server {' "$CTGATE_NGINX_DIR/ctgate/http.conf" | tail -n 1 | tr -d ' ')" = "return404;"
check_not "http.conf marks no default_server (the admin's own may exist)" \
    grep -q default_server "$CTGATE_NGINX_DIR/ctgate/http.conf"

echo "-- a backend failure: no host path, no LXD words"
chmod 0755 "$TMP"
sed 's|^templates = ($|&\n  { name = "missing-image"; image = "ctgrig-no-such-image"; description = "broken on purpose"; },|' \
    "$CTGATE_AGENT_CONF" > "$TMP/broken.conf"
chmod 0644 "$TMP/broken.conf"
m=$(name_for leak-img)
CREATED_NAMES+=("$m")
req_create alice "$m" | jq -c '.template = "missing-image"' |
    agent_as --config "$TMP/broken.conf" >"$TMP/img.out" 2>"$TMP/img.err"
check_eq "backend_error" backend_error "$(result_field "$TMP/img" .error.code)"
msg=$(result_field "$TMP/img" .error.message)
check "the message is clean ($msg)" clean_message "$msg"
check "it points at the agent's log with a reference" grep -qE "see the agent's log, reference [A-Za-z0-9._-]+\)" <<<"$msg"
fail_msg=$(jq -r 'select(.type=="progress" and .state=="fail") | .msg' "$TMP/img.out")
check "the step's fail line is clean too ($fail_msg)" clean_message "$fail_msg"
# The detail itself goes to syslog (LOG_AUTHPRIV) under ref=R; the rig runs no syslog daemon,
# so that half is proved by unit/test-proto (test_public_messages), not here.

echo "-- a configuration error: the request is told, not the file's path"
printf '# two entries named echo\necho 7 tcp\nweb 8080 tcp\necho 9 udp\n' > "$TMP/protocols.dup"
chmod 0644 "$TMP/protocols.dup"
sed "s|^protocols_file = .*|protocols_file = \"$TMP/protocols.dup\";|" "$CTGATE_AGENT_CONF" > "$TMP/dup.conf"
chmod 0644 "$TMP/dup.conf"
req_create alice "$(name_for leak-cfg)" | agent_as --config "$TMP/dup.conf" >"$TMP/cfg.out" 2>"$TMP/cfg.err"
check "config_error" jq_true 'select(.type == "result") | .error.code == "config_error"' "$TMP/cfg.out"
msg=$(result_field "$TMP/cfg" .error.message)
check "no path in it ($msg)" clean_message "$msg"
check_not "not the file's name" grep -q protocols.dup <<<"$msg"
agent_as --config "$TMP/dup.conf" check-config >"$TMP/cc.out" 2>&1
check "the admin's check-config still names the file and line" grep -q "$TMP/protocols.dup: line 4" "$TMP/cc.out"

echo "-- what the user caused is still said in full"
gw_run "$TMP/nf" alice -T -- start "$(name_for nothere)"
check_eq "a missing one: exit 4" 4 "$(cat "$TMP/nf.rc")"
check "names it" grep -q "no such container: $(name_for nothere)" "$TMP/nf.err"

echo "-- the gateway's own failures: no library words, no host path; a reference to its log"
cp "$CTGATE_GATEWAY_CONF" "$TMP/gateway.conf.orig"
trap 'cat "$TMP/gateway.conf.orig" > "$CTGATE_GATEWAY_CONF"; finish' EXIT
gw_with() { # label sed-expression: the gateway with that change; sets msg from a create
    sed "$2" "$TMP/gateway.conf.orig" > "$CTGATE_GATEWAY_CONF"
    gw_run "$TMP/gw" alice -T -- create --hostname "$(name_for gwleak)"
    check_eq "$1: exit 6" 6 "$(cat "$TMP/gw.rc")"
    msg=$(tr -d '\r' <"$TMP/gw.err")
    check "$1: the message is clean ($msg)" clean_message "$msg"
}
# Nothing listens on port 1: the library would say "Can't contact LDAP server".
gw_with "LDAP unreachable" "s|^  uri = \"$CTGATE_LDAP_URI\"|  uri = \"ldap://127.0.0.1:1\"|"
check "LDAP unreachable: says the directory failed" grep -q "the directory (LDAP) cannot be reached or failed" <<<"$msg"
check_not "LDAP unreachable: not the library's words" grep -qi "contact\|ldap server" <<<"$msg"
gw_with "a missing LDAP CA file" "0,/^  ca_file = .*/s||  ca_file = \"$TMP/no-such-ca.crt\";|"
check "missing CA: a configuration error with a gateway log reference" \
    grep -qE "configuration error \(see the gateway's log, reference ref-[0-9a-f]{12}\)" <<<"$msg"
check_not "missing CA: the path is not shown" grep -q "no-such-ca" <<<"$msg"
gw_with "an unreadable agent key" "s|^\(  key = \"\).*|\1$TMP/no-such-key\";|"
check "unreadable agent key: a gateway log reference" grep -q "see the gateway's log, reference ref-" <<<"$msg"
check_not "unreadable agent key: the path is not shown" grep -q "no-such-key" <<<"$msg"
cat "$TMP/gateway.conf.orig" > "$CTGATE_GATEWAY_CONF"
gw_run "$TMP/gwok" alice -T -- list
check_eq "the gateway's configuration is back: list works" 0 "$(cat "$TMP/gwok.rc")"
