#!/bin/bash
# The agent's configuration is checked whole when it starts: a protocols file
# that names a protocol twice, sizes or templates that contradict each other,
# are reported naming the file and line by check-config; every request then
# fails with config_error (naming no host file: the agent's log has it) and
# creates nothing.  Copies of the rig's configuration,
# run as the agent's account.
source "$(dirname "$0")/../lib.sh"

conf() { # NAME sed-expression -> a copy of the rig's agent.conf with one change
    sed "$2" "$CTGATE_AGENT_CONF" > "$TMP/$1.conf"
    chmod 0644 "$TMP/$1.conf"
}
agent_as() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" "$@"; }
chmod 0755 "$TMP"

agent_as --config "$CTGATE_AGENT_CONF" check-config >"$TMP/ok.out" 2>&1
check_eq "the rig's configuration passes" 0 "$?"

printf '# two entries named echo\necho 7 tcp\nweb 8080 tcp\necho 9 udp\n' > "$TMP/protocols.dup"
chmod 0644 "$TMP/protocols.dup"
conf dup "s|^protocols_file = .*|protocols_file = \"$TMP/protocols.dup\";|"
agent_as --config "$TMP/dup.conf" check-config >"$TMP/dup.out" 2>&1
check_eq "duplicate protocol: exit 6" 6 "$?"
check "names the file, the line and the name" grep -q "configuration error: $TMP/protocols.dup: line 4: duplicate protocol name 'echo'" "$TMP/dup.out"

n=$(name_for cfg)
CREATED_NAMES+=("$n")
req_create alice "$n" | agent_as --config "$TMP/dup.conf" >"$TMP/req.out" 2>"$TMP/req.err"
check_eq "a request with that configuration: exit 6" 6 "$?"
# The user is not shown the host's file names (issue 16): check-config above is where the admin looks.
check "answers config_error, pointing at the agent's log, naming no file" jq_true 'select(.type == "result") | .error.code == "config_error" and (.error.message | test("see the agent.s log")) and (.error.message | test("protocols.dup|/") | not)' "$TMP/req.out"
check_eq "nothing created" 404 "$(lxd_status_code "/1.0/instances/$n")"

conf size 's|size = "small"; sizes = \[ "small", "medium" \];|size = "large"; sizes = [ "small", "medium" ];|'
agent_as --config "$TMP/size.conf" check-config >"$TMP/size.out" 2>&1
check_eq "a default size the template does not offer: exit 6" 6 "$?"
check "says which and where" grep -qE "template at line [0-9]+: default size 'large' is not one it offers" "$TMP/size.out"

conf exp 's|^expiry = .*|expiry = { default = "60d"; max = "30d"; };|'
agent_as --config "$TMP/exp.conf" check-config >"$TMP/exp.out" 2>&1
check_eq "a default expiry above the maximum: exit 6" 6 "$?"
check "says so" grep -q "expiry.default must be set and at most expiry.max" "$TMP/exp.out"
for f in "$TMP"/*.out "$TMP"/req.err; do check_no_sanitizer_report "$f"; done
