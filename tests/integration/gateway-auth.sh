#!/bin/bash
# Who the gateway takes you for: LDAP over StartTLS/LDAPS with the rig's CA,
# key-only login for keys listed in LDAP, passwords otherwise, the users group.
# Every failure a user can cause looks the same from outside: exit 3.
source "$(dirname "$0")/../lib.sh"

conf_backup=$TMP/gateway.conf.orig
cp "$CTGATE_GATEWAY_CONF" "$conf_backup"
restore_conf() { cat "$conf_backup" > "$CTGATE_GATEWAY_CONF"; }
trap 'restore_conf; finish' EXIT

echo "-- who am I"
gw_run "$TMP/w1" alice -T -- whoami --json
check_eq "alice by key: exit 0" 0 "$(cat "$TMP/w1.rc")"
check_eq "uid" alice "$(jq -r .data.uid "$TMP/w1.out")"
check_eq "uid number from LDAP" 10001 "$(jq -r .data.uid_number "$TMP/w1.out")"
check_eq "authenticated by key" key "$(jq -r .data.authenticated_by "$TMP/w1.out")"
check_eq "key fingerprint is alice's" "$(ssh-keygen -lf "$CTGATE_KEY_alice.pub" | cut -d' ' -f2)" "$(jq -r .data.key_fingerprint "$TMP/w1.out")"
password_of bob > "$TMP/w2.in"
gw_run "$TMP/w2" bob -T -- whoami --user bob --password-stdin
check_eq "bob by password: exit 0" 0 "$(cat "$TMP/w2.rc")"
check "says password" grep -qE '^  logged in by +password' "$TMP/w2.out"
check "lists the group" grep -qE '^  groups +ctgate-users' "$TMP/w2.out"
password_of dave > "$TMP/w3.in"
CT_USER=dave gw_run "$TMP/w3" dave -T -o SendEnv=CT_* -- whoami --password-stdin
check_eq "CT_USER works like --user" 0 "$(cat "$TMP/w3.rc")"
check "dave is in the admin group" grep -q ctgate-admins "$TMP/w3.out"

echo "-- failures are indistinguishable: exit 3, same words"
echo "not-the-password" > "$TMP/f1.in"
gw_run "$TMP/f1" bob -T -- whoami --user bob --password-stdin
echo "whatever" > "$TMP/f2.in"
gw_run "$TMP/f2" bob -T -- whoami --user nosuchuser --password-stdin
password_of carol > "$TMP/f3.in"
gw_run "$TMP/f3" carol -T -- whoami --user carol --password-stdin
echo "" > "$TMP/f4.in"
gw_run "$TMP/f4" bob -T -- whoami --user bob --password-stdin
for f in f1 f2 f3 f4; do
    check_eq "$f: exit 3" 3 "$(cat "$TMP/$f.rc")"
done
check_eq "wrong password == unknown user (stderr)" "$(cat "$TMP/f1.err")" "$(cat "$TMP/f2.err")"
check_eq "wrong password == not in group (stderr)" "$(cat "$TMP/f1.err")" "$(cat "$TMP/f3.err")"
check_eq "wrong password == empty password (stderr)" "$(cat "$TMP/f1.err")" "$(cat "$TMP/f4.err")"
check_eq "and nothing on stdout" "" "$(cat "$TMP/f1.out" "$TMP/f2.out" "$TMP/f3.out")"
check_eq "message" "ctgate: authentication failed" "$(cat "$TMP/f1.err")"
password_of carol > "$TMP/f5.in"
gw_run "$TMP/f5" carol -T -- create --user carol --password-stdin --hostname "$(name_for carol)"
check_eq "carol (not in the group) cannot create: exit 3" 3 "$(cat "$TMP/f5.rc")"
check_eq "nothing was created for carol" 0 "$(lxd_instance_count "$(name_for carol)")"
echo "x" > "$TMP/f6.in"
gw_run "$TMP/f6" bob -T -- whoami --user bob --password-stdin --json
check_eq "--json failure: exit 3" 3 "$(cat "$TMP/f6.rc")"
check_eq "--json failure: one JSON error document" not_authenticated "$(jq -r .error.code "$TMP/f6.out")"
gw_run "$TMP/f7" bob -T -- whoami --user "'a*)(uid=*'"
check_eq "a filter in --user never reaches LDAP: exit 2" 2 "$(cat "$TMP/f7.rc")"

echo "-- offering alice's public key but signing with bob's own"
cp "$CTGATE_KEY_alice.pub" "$TMP/alice-public-only.pub"
ssh -v -i "$TMP/alice-public-only.pub" -i "$CTGATE_KEY_bob" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" -T \
    "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" whoami --json </dev/null >"$TMP/o1.out" 2>"$TMP/o1.err"
check_eq "no LDAP entry lists bob's key, so there is no default user: exit 2" 2 "$?"
check "the client did offer alice's key first" grep -q "Offering public key: $TMP/alice-public-only.pub" "$TMP/o1.err"
check "the error says why" jq_true '.error.message | test("missing LDAP user")' "$TMP/o1.out"
password_of bob > "$TMP/o2.in"
ssh -i "$TMP/alice-public-only.pub" -i "$CTGATE_KEY_bob" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" -T \
    "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" whoami --json --user bob --password-stdin <"$TMP/o2.in" >"$TMP/o2.out" 2>"$TMP/o2.err"
check_eq "the session's key is bob's" "$(ssh-keygen -lf "$CTGATE_KEY_bob.pub" | cut -d' ' -f2)" "$(jq -r .data.key_fingerprint "$TMP/o2.out")"
echo "not-alices-password" > "$TMP/o3.in"
ssh -i "$TMP/alice-public-only.pub" -i "$CTGATE_KEY_bob" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" -T \
    "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" whoami --user alice --password-stdin <"$TMP/o3.in" >"$TMP/o3.out" 2>"$TMP/o3.err"
check_eq "claiming to be alice needs alice's password: exit 3" 3 "$?"

echo "-- TLS to LDAP: LDAPS works, a wrong CA is refused"
sed -i "s|uri = \"ldap://127.0.0.1:[0-9]*\"|uri = \"$CTGATE_LDAPS_URI\"|" "$CTGATE_GATEWAY_CONF"
gw_run "$TMP/s1" alice -T -- whoami
check_eq "ldaps:// with the rig CA: exit 0" 0 "$(cat "$TMP/s1.rc")"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other CA" -keyout "$TMP/other.key" -out "$TMP/other.crt" 2>/dev/null
chmod 0644 "$TMP/other.crt"; chmod 0755 "$TMP"
sed -i "s|ca_file = \".*\"|ca_file = \"$TMP/other.crt\"|" "$CTGATE_GATEWAY_CONF"
gw_run "$TMP/s2" alice -T -- whoami
check_eq "ldaps:// with another CA: refused, exit 6" 6 "$(cat "$TMP/s2.rc")"
restore_conf
sed -i "s|ca_file = \".*\"|ca_file = \"$TMP/other.crt\"|" "$CTGATE_GATEWAY_CONF"
gw_run "$TMP/s3" alice -T -- whoami
check_eq "StartTLS with another CA: refused, exit 6" 6 "$(cat "$TMP/s3.rc")"
restore_conf
