#!/bin/bash
# ctgate-keys, sshd's AuthorizedKeysCommand for the gateway account (issue 20.1):
# with keys.admit = "ldap-keys" only a key an LDAP user of the users group lists
# gets in, and sshd refuses the rest before the forced command runs; LDAP down or
# hung keeps everyone out within keys.timeout; "any-key" lets a fresh key in and the
# gateway asks for the password; ctgate-keys itself never prints for hostile input.
source "$(dirname "$0")/../lib.sh"

conf_backup=$TMP/gateway.conf.orig
cp "$CTGATE_GATEWAY_CONF" "$conf_backup"
restore_conf() { cat "$conf_backup" > "$CTGATE_GATEWAY_CONF"; }
slapd_pid=$(cat "$CTGATE_RIG_DIR/pids/slapd.pid")
ldap_admin() { # ldapmodify as the rig's LDAP admin, LDIF on stdin
    LDAPTLS_CACERT=$CTGATE_LDAP_CA LDAPTLS_REQCERT=demand ldapmodify -x -ZZ -H "$CTGATE_LDAP_URI" \
        -D "cn=admin,$CTGATE_LDAP_BASE" -y "$CTGATE_RIG_DIR/ldap-admin-password" >/dev/null
}
carol_key_ldif() { # add|delete
    printf 'dn: uid=carol,ou=people,%s\nchangetype: modify\n%s: sshPublicKey\nsshPublicKey: %s\n' \
        "$CTGATE_LDAP_BASE" "$1" "$(cat "$CTGATE_KEY_carol.pub")"
}
cleanup() {
    kill -CONT "$slapd_pid" 2>/dev/null
    carol_key_ldif delete | ldap_admin 2>/dev/null
    restore_conf
    finish
}
trap cleanup EXIT
set_admit() { sed -i "s|admit = \"[a-z-]*\"|admit = \"$1\"|" "$CTGATE_GATEWAY_CONF"; }
keys_cmd() { # ctgate-keys as sshd runs it: its own account, the rig's config
    runuser -u "$CTGATE_KEYS_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-keys" --config "$CTGATE_GATEWAY_CONF" "$@"
}
# ssh with KEY (a private key file) as the gateway account; PREFIX.out/.err/.rc
ssh_key() { # PREFIX KEY words...
    local out=$1 key=$2 input=/dev/null
    shift 2
    [ -f "$out.in" ] && input=$out.in
    ssh -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -p "$CTGATE_SSH_PORT" -T "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" "$@" <"$input" >"$out.out" 2>"$out.err"
    echo $? >"$out.rc"
}
refused_by_sshd() { # PREFIX what
    check_eq "$2: ssh exit 255" 255 "$(cat "$1.rc")"
    check "$2: sshd says Permission denied" grep -q "Permission denied (publickey)" "$1.err"
    check "$2: the forced command never ran (no output)" test ! -s "$1.out"
}
ssh-keygen -q -t ed25519 -N '' -C fresh -f "$TMP/fresh"
chmod 0755 "$TMP"; chmod 0644 "$TMP/fresh.pub"

echo "-- admit = \"ldap-keys\""
set_admit ldap-keys
carol_key_ldif add | ldap_admin
check "keys.admit is ldap-keys" grep -q 'admit = "ldap-keys"' "$CTGATE_GATEWAY_CONF"
gw_run "$TMP/a1" alice -T -- whoami --json
check_eq "alice's LDAP key gets in: exit 0" 0 "$(cat "$TMP/a1.rc")"
check_eq "and the gateway knows her by it" key "$(jq -r .data.authenticated_by "$TMP/a1.out")"
ssh_key "$TMP/a2" "$TMP/fresh" whoami --json
refused_by_sshd "$TMP/a2" "a key no entry lists"
gw_run "$TMP/a3" bob -T -- whoami --user bob --password-stdin
refused_by_sshd "$TMP/a3" "bob's key (in no entry)"
gw_run "$TMP/a4" carol -T -- whoami --json
refused_by_sshd "$TMP/a4" "carol's key (listed, but carol is not in the group)"
check "sshd's log names the refusals" grep -q "Failed publickey for $CTGATE_GATEWAY_USER" "$CTGATE_RIG_DIR/sshd/sshd.log"

echo "-- slapd hung (SIGSTOP): nobody gets in, and not later than keys.timeout (5 s)"
kill -STOP "$slapd_pid"
start=$(date +%s)
gw_run "$TMP/h1" alice -T -o ConnectTimeout=30 -- whoami --json
took=$(( $(date +%s) - start ))
kill -CONT "$slapd_pid"
refused_by_sshd "$TMP/h1" "alice while LDAP hangs"
check "sshd was not held past the timeout (${took}s)" test "$took" -le 12
echo "-- LDAP not listening (as with slapd stopped): refused at once"
sed -i "s|uri = \"ldap://127.0.0.1:[0-9]*\"|uri = \"ldap://127.0.0.1:9\"|" "$CTGATE_GATEWAY_CONF" # nothing listens
start=$(date +%s)
gw_run "$TMP/h2" alice -T -- whoami --json
took=$(( $(date +%s) - start ))
refused_by_sshd "$TMP/h2" "alice while LDAP is unreachable"
check "answered within the timeout (${took}s)" test "$took" -le 8
restore_conf
set_admit ldap-keys
gw_run "$TMP/h3" alice -T -- whoami --json
check_eq "LDAP back: alice gets in again" 0 "$(cat "$TMP/h3.rc")"

echo "-- admit = \"any-key\": a fresh key gets in, the gateway asks for the password"
set_admit any-key
ssh_key "$TMP/k1" "$TMP/fresh" whoami --json
check_eq "a fresh key reaches the gateway, which wants a user: exit 2" 2 "$(cat "$TMP/k1.rc")"
check "it says why" jq_true '.error.message | test("missing LDAP user")' "$TMP/k1.out"
password_of bob > "$TMP/k2.in"
ssh_key "$TMP/k2" "$TMP/fresh" whoami --json --user bob --password-stdin
check_eq "bob with a fresh key and his password: exit 0" 0 "$(cat "$TMP/k2.rc")"
check_eq "by password" password "$(jq -r .data.authenticated_by "$TMP/k2.out")"
password_of bob > "$TMP/k3.in"
gw_run "$TMP/k3" bob -T -- whoami --user bob --password-stdin --json
check_eq "bob logs in by password: exit 0" 0 "$(cat "$TMP/k3.rc")"
password_of carol > "$TMP/k4.in"
gw_run "$TMP/k4" carol -T -- whoami --user carol --password-stdin
check_eq "carol gets in to sshd but the gateway refuses her: exit 3" 3 "$(cat "$TMP/k4.rc")"

echo "-- ctgate-keys called directly with hostile arguments: prints nothing, exits non-zero"
read -r atype akey _ < "$CTGATE_KEY_alice.pub"
set_admit ldap-keys
keys_cmd "$CTGATE_GATEWAY_USER" "$atype" "$akey" >"$TMP/d0.out"
check_eq "the real thing: exit 0" 0 "$?"
check_eq "one line: restrict,pty TYPE KEY" "restrict,pty $atype $akey" "$(cat "$TMP/d0.out")"
big=$(head -c 102400 /dev/zero | tr '\0' A)
hostile() { # what args...
    local what=$1 rc
    shift
    keys_cmd "$@" >"$TMP/d.out" 2>/dev/null
    rc=$?
    check "$what: exit non-zero ($rc)" test "$rc" -ne 0
    check "$what: nothing on stdout" test ! -s "$TMP/d.out"
}
hostile "not base64" "$CTGATE_GATEWAY_USER" "$atype" 'not base64!'
hostile "100 KiB" "$CTGATE_GATEWAY_USER" "$atype" "$big"
hostile "options" "$CTGATE_GATEWAY_USER" "$atype" "command=\"/bin/sh\" $akey"
hostile "two keys" "$CTGATE_GATEWAY_USER" "$atype" "$akey $akey"
hostile "two keys run together" "$CTGATE_GATEWAY_USER" "$atype" "$akey$akey"
hostile "another account" root "$atype" "$akey"
hostile "an option as the account" --config "$atype" "$akey"
hostile "a type not allowed" "$CTGATE_GATEWAY_USER" ssh-dss "$akey"
hostile "a type not matching the key" "$CTGATE_GATEWAY_USER" ssh-rsa "$akey"
hostile "missing arguments" "$CTGATE_GATEWAY_USER" "$atype"
hostile "an empty key" "$CTGATE_GATEWAY_USER" "$atype" ""
sed -i 's|keys = {|keys = { types = [ "ssh-rsa" ];|' "$CTGATE_GATEWAY_CONF"
hostile "ed25519 left out of keys.types" "$CTGATE_GATEWAY_USER" "$atype" "$akey"
restore_conf
check "the log has fingerprints, never a key" \
    sh -c "! journalctl -t ctgate-keys --since '-10min' --no-pager 2>/dev/null | grep -qF -- '${akey:0:40}'"
