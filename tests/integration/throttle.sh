#!/bin/bash
# Guessing passwords is throttled per LDAP user and per client address (docs/security.md,
# throttle.* in gateway.conf): over the limit even the right password is refused, with the
# same bytes and exit 3 as any other failure, and the directory is not asked (slapd sees no
# BIND).  A good password clears the user's count; key logins are never counted.
source "$(dirname "$0")/../lib.sh"

conf_backup=$TMP/gateway.conf.orig
cp "$CTGATE_GATEWAY_CONF" "$conf_backup"
throttle_dir=$(sed -n 's|.*throttle = { dir = "\([^"]*\)".*|\1|p' "$CTGATE_GATEWAY_CONF")
slapd_log=$CTGATE_RIG_DIR/slapd/slapd.log
clear_counts() { find "$throttle_dir" -mindepth 1 -maxdepth 1 -type f -delete; }
restore_conf() { cat "$conf_backup" > "$CTGATE_GATEWAY_CONF"; clear_counts; }
trap 'restore_conf; finish' EXIT

check "the rig has a throttle directory" test -d "$throttle_dir"
# Small limits while this test runs: 3 per user, 5 per address (everything comes from 127.0.0.1).
sed -i 's|failures = [0-9]*; address_failures = [0-9]*;|failures = 3; address_failures = 5;|' "$CTGATE_GATEWAY_CONF"
check "limits lowered" grep -q 'failures = 3; address_failures = 5;' "$CTGATE_GATEWAY_CONF"
clear_counts

binds_for() { grep -c "BIND dn=\"uid=$1,ou=people,$CTGATE_LDAP_BASE\"" "$slapd_log"; }

echo "-- bob: three wrong passwords, then even the right one is refused"
for i in 1 2 3; do
    echo "wrong-$i" > "$TMP/b$i.in"
    gw_run "$TMP/b$i" bob -T -- whoami --user bob --password-stdin
    check_eq "wrong password $i: exit 3" 3 "$(cat "$TMP/b$i.rc")"
done
binds_before=$(binds_for bob)
password_of bob > "$TMP/b4.in"
gw_run "$TMP/b4" bob -T -- whoami --user bob --password-stdin
check_eq "the right password over the limit: exit 3" 3 "$(cat "$TMP/b4.rc")"
check_eq "byte-identical to a wrong password (stderr)" "$(cat "$TMP/b1.err")" "$(cat "$TMP/b4.err")"
check_eq "byte-identical to a wrong password (stdout)" "$(cat "$TMP/b1.out")" "$(cat "$TMP/b4.out")"
cmp -s "$TMP/b1.err" "$TMP/b4.err"; check_eq "cmp agrees" 0 "$?"
check_eq "message" "ctgate: authentication failed" "$(cat "$TMP/b4.err")"
sleep 1 # slapd writes its log asynchronously
check_eq "slapd saw no BIND as bob for the refused attempt" "$binds_before" "$(binds_for bob)"
echo "x" > "$TMP/b5.in"
gw_run "$TMP/b5" bob -T -- whoami --user bob --password-stdin --json
check_eq "--json refusal: exit 3" 3 "$(cat "$TMP/b5.rc")"
check_eq "--json refusal: the usual error document" not_authenticated "$(jq -r .error.code "$TMP/b5.out")"

echo "-- the counter's files can be cleared by the admin: bob gets in again"
clear_counts
password_of bob > "$TMP/c1.in"
gw_run "$TMP/c1" bob -T -- whoami --user bob --password-stdin
check_eq "bob after clearing: exit 0" 0 "$(cat "$TMP/c1.rc")"

echo "-- a good password clears the user's count"
for i in 1 2; do
    echo "wrong-$i" > "$TMP/g$i.in"
    gw_run "$TMP/g$i" bob -T -- whoami --user bob --password-stdin
done
password_of bob > "$TMP/g3.in"
gw_run "$TMP/g3" bob -T -- whoami --user bob --password-stdin
check_eq "two wrong, then the right one: exit 0" 0 "$(cat "$TMP/g3.rc")"
echo "wrong-again" > "$TMP/g4.in"
gw_run "$TMP/g4" bob -T -- whoami --user bob --password-stdin
password_of bob > "$TMP/g5.in"
gw_run "$TMP/g5" bob -T -- whoami --user bob --password-stdin
check_eq "the count started again from zero: exit 0" 0 "$(cat "$TMP/g5.rc")"

echo "-- per address: another user from the same address is refused after the address's limit"
clear_counts
for i in 1 2 3 4 5; do
    echo "guess-$i" > "$TMP/a$i.in"
    # two names, so no single user reaches its own limit of 3 (unknown users count too)
    u=$([ $((i % 2)) = 0 ] && echo bob || echo nosuchuser$i)
    gw_run "$TMP/a$i" bob -T -- whoami --user "$u" --password-stdin
    check_eq "guess $i: exit 3" 3 "$(cat "$TMP/a$i.rc")"
done
dave_binds=$(binds_for dave)
password_of dave > "$TMP/a6.in"
gw_run "$TMP/a6" dave -T -- whoami --user dave --password-stdin
check_eq "dave, right password, same address over its limit: exit 3" 3 "$(cat "$TMP/a6.rc")"
check_eq "byte-identical (stderr)" "$(cat "$TMP/a1.err")" "$(cat "$TMP/a6.err")"
sleep 1
check_eq "slapd saw no BIND as dave" "$dave_binds" "$(binds_for dave)"
gw_run "$TMP/a7" alice -T -- whoami --json
check_eq "alice by her LDAP-listed key is not throttled: exit 0" 0 "$(cat "$TMP/a7.rc")"

echo "-- every failure is slowed down (delay)"
clear_counts
sed -i 's|delay = "[0-9]*s"|delay = "3s"|' "$CTGATE_GATEWAY_CONF"
echo "wrong" > "$TMP/d1.in"
start=$(date +%s)
gw_run "$TMP/d1" bob -T -- whoami --user bob --password-stdin
took=$(($(date +%s) - start))
check_eq "a wrong password: exit 3" 3 "$(cat "$TMP/d1.rc")"
check "it took at least the delay (${took}s)" test "$took" -ge 3

echo "-- the key lookup is one equality search, not a read of every entry"
gw_run "$TMP/k1" alice -T -- whoami --json
check_eq "alice by key: exit 0" 0 "$(cat "$TMP/k1.rc")"
sleep 1
check "slapd saw the equality filter on sshPublicKey" grep -q 'filter="(&(objectClass=posixAccount)(sshPublicKey=ssh-' "$slapd_log"
