#!/bin/bash
# `ctgate-agent doctor` (issue 19.2): on the rig every check passes (exit 0, and --json says
# so); each broken prerequisite makes it fail (exit 6) naming that one thing, with what to do,
# while the others still pass.  Copies of the rig's configuration and state, run as the agent's
# account; the rig itself is not changed.
source "$(dirname "$0")/../lib.sh"

agent_as() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" "$@"; }
chmod 0755 "$TMP"
# A copy of the state directory (registry, audit trail and key), the agent's own.
cp -a "$CTGATE_AGENT_STATE" "$TMP/state"
conf() { # NAME sed-expression -> $TMP/NAME.conf: the rig's agent.conf on the copied state, one change
    sed -e "s|^state_dir = .*|state_dir = \"$TMP/state\";|" -e "$2" "$CTGATE_AGENT_CONF" >"$TMP/$1.conf"
    chmod 0644 "$TMP/$1.conf"
}
failing() { # out-file: the names of the failed checks, one a line
    jq -r '.checks[] | select(.ok | not) | .name' "$1"
}
doctor() { # label conf expected-failed-check [grep for its detail]
    agent_as --config "$TMP/$2.conf" doctor --json >"$TMP/$2.out" 2>"$TMP/$2.err"
    check_eq "$1: exit 6" 6 "$?"
    check_eq "$1: only '$3' fails" "$3" "$(failing "$TMP/$2.out" | paste -sd,)"
    check "$1: it says what to do" jq_true --arg n "$3" \
        '.ok == false and (.checks[] | select(.name == $n) | (.fix | length) > 10)' "$TMP/$2.out"
    if [ -n "${4:-}" ]; then
        check "$1: the detail says /$4/" jq_true --arg n "$3" --arg re "$4" \
            '.checks[] | select(.name == $n) | .detail | test($re)' "$TMP/$2.out"
    fi
}

echo "-- the rig passes"
agent_as --config "$CTGATE_AGENT_CONF" doctor >"$TMP/ok.out" 2>&1
check_eq "exit 0" 0 "$?" || sed 's/^/    | /' "$TMP/ok.out"
check "it says so" grep -q "^all checks passed$" "$TMP/ok.out"
for name in configuration "state directory" "audit key" "audit chain" clock backend "storage pool" \
    profile network "template busybox" "template debian" "nginx http file" "nginx test"; do
    check "checked: $name" grep -qE "^ok +$name " "$TMP/ok.out"
done
agent_as --config "$CTGATE_AGENT_CONF" doctor --json >"$TMP/ok.json"
check "--json: ok and every check ok" jq_true '.ok and (.checks | length >= 13) and all(.checks[]; .ok)' "$TMP/ok.json"
conf same ""
agent_as --config "$TMP/same.conf" doctor >/dev/null 2>&1
check_eq "the copied state passes too" 0 "$?"

echo "-- one broken prerequisite at a time"
conf socket 's|^  socket = .*|  socket = "/nonexistent/unix.socket";|'
doctor "wrong LXD socket" socket backend "/nonexistent/unix.socket"

conf image 's|image = "ctgrig-busybox"|image = "ctgrig-missing"|'
doctor "a template's image missing" image "template busybox" "ctgrig-missing"

install -d -m 0755 -o root "$TMP/nginx-root"
conf nginxdir "s|^  http_file = .*|  http_file = \"$TMP/nginx-root/http.conf\";|"
doctor "nginx's directory not writable" nginxdir "nginx http file" "not writable"

conf nginxtest 's|^  test = .*|  test = [ "/bin/false" ];|'
doctor "nginx -t failing" nginxtest "nginx test"

cp -a "$TMP/state" "$TMP/state.good"
restore_state() { rm -rf "$TMP/state"; cp -a "$TMP/state.good" "$TMP/state"; }
conf state ""
chmod 0755 "$TMP/state"
doctor "state directory world-readable" state "state directory" "mode 0755"
restore_state

# One byte of a record changed in the middle of the log: the chain no longer verifies.
line=$(( $(wc -l <"$TMP/state/audit.log") / 2 ))
sed -i "${line}s/\"op\":\"/\"op\":\"X/" "$TMP/state/audit.log"
doctor "audit log tampered with" state "audit chain"
restore_state

rm "$TMP/state/audit.key"
doctor "audit key missing" state "audit key" "No such file"
restore_state

touch -d '+2 days' "$TMP/state/audit.log"
doctor "clock behind the audit log" state clock "BEHIND"
restore_state

printf 'state_dir = 3;\n' >"$TMP/garbage.conf"
chmod 0644 "$TMP/garbage.conf"
agent_as --config "$TMP/garbage.conf" doctor >"$TMP/garbage.out" 2>&1
check_eq "an unreadable configuration: exit 6" 6 "$?"
check "names the configuration, and stops there" grep -qE "^FAIL configuration +$TMP/garbage.conf" "$TMP/garbage.out"
check_eq "nothing else is checked" 1 "$(grep -cE '^(ok|FAIL) ' "$TMP/garbage.out")"

echo "-- ctgate doctor (the gateway, as root on the host): the rig passes"
sshd_conf=$CTGATE_RIG_DIR/sshd/sshd_config
gw_doctor() { "$CTGATE_RIG_DIR/bin/ctgate" --config "$1" doctor --json --sshd-config "${2:-$sshd_conf}"; }
gw_doctor "$CTGATE_GATEWAY_CONF" >"$TMP/gw-ok.out" 2>&1
check_eq "exit 0" 0 "$?" || sed 's/^/    | /' "$TMP/gw-ok.out"
check "every check ok: configuration, ldap, agent key, agent host key, agent, throttle, sshd" jq_true \
    '.ok and ([.checks[].name] | contains(["configuration","ldap","agent key","agent host key","agent","throttle","sshd"])) and all(.checks[]; .ok)' \
    "$TMP/gw-ok.out"
"$CTGATE_RIG_DIR/bin/ctgate" --config "$CTGATE_GATEWAY_CONF" doctor --sshd-config "$sshd_conf" >"$TMP/gw-text.out" 2>&1
check "as text too" grep -q "^all checks passed$" "$TMP/gw-text.out"

gconf() { # NAME sed-expression -> $TMP/gw-NAME.conf
    sed "$2" "$CTGATE_GATEWAY_CONF" >"$TMP/gw-$1.conf"
}
gw_failing() { # label conf-name expected-failed-check [sshd config]
    # sshd's ForceCommand must name the configuration checked: a copy of sshd's naming the copy.
    sed "s|$CTGATE_GATEWAY_CONF|$TMP/gw-$2.conf|" "${4:-$sshd_conf}" >"$TMP/sshd-$2"
    gw_doctor "$TMP/gw-$2.conf" "$TMP/sshd-$2" >"$TMP/gw-$2.out" 2>"$TMP/gw-$2.err"
    check_eq "$1: exit 6" 6 "$?"
    check_eq "$1: only '$3' fails" "$3" "$(failing "$TMP/gw-$2.out" | paste -sd,)"
    check "$1: it says what to do" jq_true --arg n "$3" \
        '.checks[] | select(.name == $n) | (.fix | length) > 10' "$TMP/gw-$2.out"
}
echo "-- one broken prerequisite at a time"
# A CA of its own that signed nothing the rig runs.
openssl req -x509 -newkey ed25519 -nodes -keyout "$TMP/other-ca.key" -out "$TMP/other-ca.crt" \
    -subj "/CN=not the rig's CA" -days 2 >/dev/null 2>&1
gconf badca "0,/^  ca_file = .*/s||  ca_file = \"$TMP/other-ca.crt\";|"
gw_failing "LDAP's certificate not signed by ldap.ca_file" badca ldap
: >"$TMP/empty_known_hosts"
gconf unpinned "s|^  known_hosts = .*|  known_hosts = \"$TMP/empty_known_hosts\";|"
gw_failing "the agent's host key not pinned" unpinned "agent host key"
# Doctor runs as root: what it checks is the gateway account's ownership, not its own access.
install -m 0600 -o root "$CTGATE_RIG_DIR/keys/gateway_key" "$TMP/root_key"
gconf rootkey "s|^  key = .*|  key = \"$TMP/root_key\";|"
gw_failing "the agent key owned by root, not the gateway's account" rootkey "agent key"
install -d -m 0700 -o root "$TMP/root-throttle"
gconf rootthrottle "s|dir = \"$CTGATE_RIG_DIR/gateway-throttle\";|dir = \"$TMP/root-throttle\";|"
gw_failing "a throttle directory the gateway's account cannot write" rootthrottle throttle
awk '/^Match User create-container/ { skip = 1; next } /^Match / { skip = 0 } !skip' "$sshd_conf" >"$TMP/sshd_config"
gconf same ""
gw_failing "the sshd snippet missing for the account" same sshd "$TMP/sshd_config"
check "and it says the ForceCommand is not ctgate" jq_true \
    '.checks[] | select(.name == "sshd") | .detail | test("ForceCommand none")' "$TMP/gw-same.out"
