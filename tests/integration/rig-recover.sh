#!/bin/bash
# The rig comes back from a dead service whose state is gone (issue 12): slapd
# killed and its database removed, then LXD killed and its whole directory
# removed; each time `tests/rig.sh down` then `up` must bring a working rig,
# proved by a login whose key only the reloaded directory knows and by a create.
# Runs last: it takes the rig down and up again.
source "$(dirname "$0")/../lib.sh"
rig=$(cd "$(dirname "$0")/.." && pwd)/rig.sh

# up/down with their words kept, shown on failure.
rig_step() { # description command...
    local what=$1; shift
    if "$@" >"$TMP/rig.log" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/       /' "$TMP/rig.log" | tail -n 30; fi
}

# --- slapd -----------------------------------------------------------------------
kill -9 "$(cat "$CTGATE_RIG_DIR/pids/slapd.pid")"
rig_step "down after slapd was killed" "$rig" down
rm -rf "$CTGATE_RIG_DIR/slapd/db"
rig_step "up after slapd's database was removed" "$rig" up
check_eq "alice binds against the reloaded directory" "dn:uid=alice,ou=people,$CTGATE_LDAP_BASE" \
    "$(LDAPTLS_CACERT=$CTGATE_LDAP_CA ldapwhoami -x -ZZ -H "$CTGATE_LDAP_URI" \
        -D "uid=alice,ou=people,$CTGATE_LDAP_BASE" -w "$CTGATE_PASSWORD_alice" 2>&1)"
gw_run "$TMP/whoami" alice -- whoami
check_eq "alice's LDAP key logs her in through the gateway" 0 "$(cat "$TMP/whoami.rc")"

# --- LXD ---------------------------------------------------------------------------
kill -9 "$(cat "$CTGATE_RIG_DIR/pids/lxd.pid")"
rig_step "down after LXD was killed" "$rig" down
check_eq "down left no mount of the rig's LXD" "" \
    "$(awk -v d="$CTGATE_LXD_DIR/" 'index($2, d) == 1' /proc/mounts)"
bridge_exists() { ip link show "$1" >/dev/null 2>&1; }
check_not "down removed the bridge" bridge_exists "$CTGATE_LXD_BRIDGE"
rm -rf "$CTGATE_LXD_DIR"
rig_step "up after LXD's state was removed" "$rig" up
name=$(name_for rec)
CREATED_NAMES+=("$name")
gw_run "$TMP/create" alice -- create --hostname "$name"
check_eq "a create works on the rebuilt LXD" 0 "$(cat "$TMP/create.rc")" || sed 's/^/       /' "$TMP/create.err"
check_eq "the container runs" Running "$(lxd_state "$name")"
gw_run "$TMP/delete" alice -- delete "$name" --yes
check_eq "and is deleted" 0 "$(cat "$TMP/delete.rc")"
