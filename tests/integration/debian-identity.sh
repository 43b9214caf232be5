#!/bin/bash
# Identity inside a Debian container (SPEC §4 step 6, issue 14): the identity
# step configures sssd against the rig's slapd on the bridge, TLS checked
# against the rig CA.  Logins by LDAP password, with the real ssh client through
# the port nginx publishes: the owner (bob has no key in LDAP) in his own
# container; the admin group (dave) and the template's login group
# (ctgate-team: erin) anywhere; bob in alice's and carol (in no group) anywhere
# are refused.  A wrong CA in the container's client makes the logins fail.
source "$(dirname "$0")/../lib.sh"

tmpl=${CTGATE_DEBIAN_TEMPLATE:?the rig exports CTGATE_DEBIAN_TEMPLATE}
kh=$TMP/known_hosts
askpass=$TMP/askpass
printf '#!/bin/sh\nprintf "%%s\\n" "$CT_TEST_PASSWORD"\n' >"$askpass"
chmod 0755 "$askpass"
# A password login (no key offered) to a container's published port: USER PORT command...
pw_ssh() {
    local user=$1 port=$2
    shift 2
    CT_TEST_PASSWORD=${PW:-$(password_of "$user")} SSH_ASKPASS=$askpass SSH_ASKPASS_REQUIRE=force \
        timeout 40 ssh -F /dev/null -o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=accept-new \
        -o PubkeyAuthentication=no -o PreferredAuthentications=password \
        -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -p "$port" "$user@127.0.0.1" "$@" </dev/null
}
logs_in() { [ "$(pw_ssh "$1" "$2" id -un 2>/dev/null)" = "$1" ]; }
lxc_rig() { LXD_DIR=$CTGATE_LXD_DIR lxc "$@"; }

a=$(name_for ida)
b=$(name_for idb)
CREATED_NAMES+=("$a" "$b")
gw_run "$TMP/a" alice -T -- create --hostname "$a" --template "$tmpl" --json
check_eq "alice's create from $tmpl: exit 0" 0 "$(cat "$TMP/a.rc")" || sed 's/^/    | /' "$TMP/a.err"
port_a=$(jq -r .data.ssh_port "$TMP/a.out")
password_of bob >"$TMP/b.in"
gw_run "$TMP/b" bob -T -- create --hostname "$b" --template "$tmpl" --user bob --password-stdin --json
check_eq "bob's create (password at the gateway): exit 0" 0 "$(cat "$TMP/b.rc")" || sed 's/^/    | /' "$TMP/b.err"
port_b=$(jq -r .data.ssh_port "$TMP/b.out")

conf=$(lxd_file "$a" /etc/sssd/sssd.conf)
check "sssd.conf requires and checks TLS" grep -qx 'ldap_tls_reqcert = demand' <<<"$conf"
check "it admits the owner" grep -qx 'simple_allow_users = alice' <<<"$conf"
check "and the admin group and the template's login group" \
    grep -qx 'simple_allow_groups = ctgate-admins, ctgate-team' <<<"$conf"
check "the directory as containers reach it" grep -q '^ldap_uri = ldaps://' <<<"$conf"

check "bob logs in to his own container with his LDAP password" eventually logs_in bob "$port_b"
id_b=$(pw_ssh bob "$port_b" id 2>/dev/null)
check "id shows his LDAP uid" grep -q 'uid=10002(bob)' <<<"$id_b"
check "and his LDAP group" grep -q '(ctgate-users)' <<<"$id_b"

check "erin (ctgate-team, the template's login group) logs in to alice's" eventually logs_in erin "$port_a"
check_eq "with a home made at her first login" /home/erin "$(pw_ssh erin "$port_a" pwd 2>/dev/null)"
check "dave (ctgate-admins) logs in to alice's" logs_in dave "$port_a"
pw_ssh bob "$port_a" id -un >"$TMP/bob-a.out" 2>/dev/null
check_eq "bob is refused from alice's container (exit 255)" 255 "$?"
check_eq "and ran nothing" "" "$(cat "$TMP/bob-a.out")"
for port in "$port_a" "$port_b"; do
    pw_ssh carol "$port" id -un >"$TMP/carol.out" 2>/dev/null
    check_eq "carol (in no allowed group) is refused on port $port" 255 "$?"
done
PW=not-her-password check_not "a wrong password is refused" logs_in erin "$port_a"

# TLS is really checked: another CA in the container's client, and erin's login fails.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=not the rig CA" \
    -keyout "$TMP/other.key" -out "$TMP/other.crt" 2>/dev/null
reset_sssd() {
    lxc_rig exec "$a" -- sh -c 'systemctl stop sssd && rm -f /var/lib/sss/db/* && systemctl start sssd'
}
lxc_rig file push -q "$TMP/other.crt" "$a/etc/sssd/ctgate-ldap-ca.crt" --mode 0644 && reset_sssd
check_not "with another CA in the container, erin's login fails" logs_in erin "$port_a"
check_not "and the directory cannot be read there" lxc_rig exec "$a" -- getent -s sss passwd erin
lxc_rig file push -q "$CTGATE_LDAP_CA" "$a/etc/sssd/ctgate-ldap-ca.crt" --mode 0644 && reset_sssd
check "with the rig CA back, erin logs in again" eventually logs_in erin "$port_a"

check "the audit record lists the identity step" jq_true -s --arg n "$a" \
    'map(select(.op == "create" and .params.hostname == $n and .result.ok))[0].steps | map(.step) | index("identity") != null' \
    "$CTGATE_AGENT_STATE/audit.log"

gw_run "$TMP/da" alice -T -- delete "$a" --yes
check_eq "delete alice's" 0 "$(cat "$TMP/da.rc")"
cp "$TMP/b.in" "$TMP/db.in"
gw_run "$TMP/db" bob -T -- delete "$b" --yes --user bob --password-stdin
check_eq "delete bob's" 0 "$(cat "$TMP/db.rc")"
finish
