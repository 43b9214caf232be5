#!/bin/bash
# Small leaks between tenants, and failing closed (issue 16, items 3 and 5):
# - an audit trail that cannot be written, or a missing audit.key, refuses
#   every operation and changes nothing (no new key is made on the fly);
# - `audit verify --pubkey FILE` checks against a key kept elsewhere;
# - --password-stdin into `ssh -tt` is not echoed back;
# - a name (and its SSH port) alice deleted is not handed to bob within
#   reuse_cooldown, but alice may take it back at once;
# - both programs run without core dumps and not dumpable.
# (Request ids scoped to their owner: idempotency.sh.  The reaper as @reaper: reap.sh.)
# It moves the rig's audit.log and audit.key aside for a moment: run it alone.
source "$(dirname "$0")/../lib.sh"

state=$CTGATE_AGENT_STATE
restore_audit() {
    [ -d "$state/audit.log" ] && rmdir "$state/audit.log"
    [ -e "$TMP/audit.log.saved" ] && mv "$TMP/audit.log.saved" "$state/audit.log"
    [ -e "$TMP/audit.key.saved" ] && mv "$TMP/audit.key.saved" "$state/audit.key"
    return 0
}
trap 'restore_audit; finish' EXIT

echo "-- the audit log cannot be written: refused, nothing made"
n=$(name_for leak-audit)
CREATED_NAMES+=("$n")
head_before=$(cat "$state/audit.head")
mv "$state/audit.log" "$TMP/audit.log.saved"
install -d -m 0700 -o "$CTGATE_AGENT_USER" "$state/audit.log" # a directory where the log should be
gw_run "$TMP/u" alice -T -- create --hostname "$n" --json
check_eq "create: exit 6" 6 "$(cat "$TMP/u.rc")"
check "says the audit trail cannot be written" jq_true '.error.message | test("audit trail cannot be written")' "$TMP/u.out"
check_not "and shows no host path" grep -q "$state" "$TMP/u.out"
check_eq "LXD: nothing made" 404 "$(lxd_status_code "/1.0/instances/$n")"
check_not "the registry: no reservation" registry_has "$n"
gw_run "$TMP/ul" alice -T -- list --json
check_eq "a read-only list is refused too: exit 6" 6 "$(cat "$TMP/ul.rc")"
check_not "and lists nothing" jq_true 'has("data")' "$TMP/ul.out"
restore_audit
check_eq "audit.head unchanged: nothing was recorded" "$head_before" "$(cat "$state/audit.head")"

echo "-- audit.key missing: refused, and no new key"
mv "$state/audit.key" "$TMP/audit.key.saved"
gw_run "$TMP/k" alice -T -- create --hostname "$n" --json
check_eq "create: exit 6" 6 "$(cat "$TMP/k.rc")"
check_eq "LXD: nothing made" 404 "$(lxd_status_code "/1.0/instances/$n")"
check_not "no key was made on the fly" test -e "$state/audit.key"
restore_audit
agent_cmd audit verify >"$TMP/v.out" 2>&1
check_eq "with the key back, the trail verifies" 0 "$?" || sed 's/^/    | /' "$TMP/v.out"

echo "-- audit verify --pubkey: a copy of the public key kept elsewhere"
chmod 0755 "$TMP"
install -m 0644 "$state/audit.pub" "$TMP/right.pub" # as an admin keeps it off the host
agent_cmd audit verify --pubkey "$TMP/right.pub" >"$TMP/vr.out" 2>&1
check_eq "the right key: exit 0" 0 "$?"
other=$TMP/other-state # another key, made in a state directory of its own
install -d -m 0700 -o "$CTGATE_AGENT_USER" "$other"
sed "s|^state_dir = .*|state_dir = \"$other\";|" "$CTGATE_AGENT_CONF" > "$TMP/other.conf"
chmod 0644 "$TMP/other.conf"
runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$TMP/other.conf" \
    audit keygen >/dev/null 2>&1
install -m 0644 "$other/audit.pub" "$TMP/wrong.pub"
agent_cmd audit verify --pubkey "$TMP/wrong.pub" >"$TMP/vw.out" 2>&1
check_eq "another key: exit 5" 5 "$?"
agent_cmd audit verify --pubkey "$TMP/nowhere.pub" >"$TMP/vn.out" 2>&1
check_eq "no such file: exit 6" 6 "$?"

echo "-- --password-stdin into ssh -tt: not echoed"
pw=$(password_of bob)
# The password comes once the gateway runs: input that reaches the terminal before any
# program reads it is echoed by the kernel under sshd's default modes (use ssh -T for that).
{ sleep 3; printf '%s\n' "$pw"; sleep 2; } |
    gw bob -tt -- list --user bob --password-stdin >"$TMP/tt.out" 2>"$TMP/tt.err"
check_eq "logged in: exit 0" 0 "$?"
check_not "the password is not printed back" grep -qF "$pw" "$TMP/tt.out" "$TMP/tt.err"

echo "-- a freed name and its port cool down for other owners"
c=$(name_for leak-cool)
CREATED_NAMES+=("$c")
gw_run "$TMP/c1" alice -T -- create --hostname "$c" --json
check_eq "alice creates $c" 0 "$(cat "$TMP/c1.rc")"
port=$(jq -r .data.ssh_port "$TMP/c1.out")
gw_run "$TMP/c1d" alice -T -- delete "$c" --yes
check_eq "and deletes it" 0 "$(cat "$TMP/c1d.rc")"
password_of bob > "$TMP/c2.in"
gw_run "$TMP/c2" bob -T -- create --user bob --password-stdin --hostname "$c" --json
check_eq "bob cannot take it within the cool-down: exit 5" 5 "$(cat "$TMP/c2.rc")"
check "hostname_taken, freed recently" jq_true '.error.code == "hostname_taken" and (.error.message | test("freed recently"))' "$TMP/c2.out"
check_eq "LXD: nothing of bob's" 404 "$(lxd_status_code "/1.0/instances/$c")"
o=$(name_for leak-cool-other)
CREATED_NAMES+=("$o")
password_of bob > "$TMP/o.in"
gw_run "$TMP/o" bob -T -- create --user bob --password-stdin --hostname "$o" --json
check_eq "bob creates another name" 0 "$(cat "$TMP/o.rc")"
check_ne "not on alice's freed SSH port" "$port" "$(jq -r .data.ssh_port "$TMP/o.out")"
password_of bob > "$TMP/od.in"
gw_run "$TMP/od" bob -T -- delete "$o" --yes --user bob --password-stdin
gw_run "$TMP/c3" alice -T -- create --hostname "$c" --json
check_eq "alice takes it back at once" 0 "$(cat "$TMP/c3.rc")"
gw_run "$TMP/c3d" alice -T -- delete "$c" --yes

echo "-- no core dumps, not dumpable"
{ sleep 4; } | agent_cmd serve >/dev/null 2>&1 &
job=$!
sleep 1
apid=$(pgrep -n -u "$CTGATE_AGENT_USER" -x ctgate-agent)
check "the agent is running" test -n "$apid"
if [ -n "$apid" ]; then
    check "agent: core file size 0" grep -qE '^Max core file size +0 +0 ' "/proc/$apid/limits"
    check_eq "agent: not dumpable (its /proc files are root's)" root "$(stat -c %U "/proc/$apid/environ")"
fi
wait "$job"
{ sleep 4; } | gw alice -tt -- create >/dev/null 2>&1 &
job=$!
sleep 2
gpid=$(pgrep -n -u "$CTGATE_GATEWAY_USER" -x ctgate)
check "the gateway is running (at its first prompt)" test -n "$gpid"
if [ -n "$gpid" ]; then
    check "gateway: core file size 0" grep -qE '^Max core file size +0 +0 ' "/proc/$gpid/limits"
    check_eq "gateway: not dumpable (its /proc files are root's)" root "$(stat -c %U "/proc/$gpid/environ")"
fi
wait "$job"
