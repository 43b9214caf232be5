#!/bin/bash
# Start-up hygiene (SPEC §9): files planted in the gateway account's home and
# in "/" cannot steer libldap or libssh, and variables a user sends are not
# seen by them: the gateway builds its own environment and sets every option.
source "$(dirname "$0")/../lib.sh"

home=$(getent passwd "$CTGATE_GATEWAY_USER" | cut -d: -f6)
marker=/tmp/ctgate-proxycommand-$RUN_ID
planted=("$home/.ldaprc" "$home/ldaprc" "/ldaprc" "$home/.ssh/config")
for f in "${planted[@]}"; do [ -e "$f" ] && { fail "$f exists already; not touching it"; exit 1; }; done
cleanup() { rm -f "${planted[@]}"; rmdir "$home/.ssh" 2>/dev/null; rm -f "$marker"; finish; }
trap cleanup EXIT

# An ldaprc that cuts the gateway off from every server if libldap reads it (a source
# address that is not ours; ctgate sets no such option, so nothing it does would
# override it - checked: without LDAPNOINIT the gateway fails with "Can't contact
# LDAP server"), and would send it to a dead server without certificate checks.
for f in "$home/.ldaprc" "$home/ldaprc" /ldaprc; do
    printf 'SOCKET_BIND_ADDRESSES 192.0.2.1\nURI ldap://127.0.0.1:9\nTLS_REQCERT never\nBASE dc=evil\n' > "$f"
    chmod 0644 "$f"
done
# An ssh config that would run a command for any connection, and send it elsewhere.
install -d -m 0700 -o "$CTGATE_GATEWAY_USER" "$home/.ssh"
printf 'Host *\n  ProxyCommand /bin/sh -c "touch %s"\n  Port 9\n  StrictHostKeyChecking no\n' "$marker" > "$home/.ssh/config"
chown "$CTGATE_GATEWAY_USER" "$home/.ssh/config"

gw_run "$TMP/w" alice -T -- whoami
check_eq "whoami still reaches the real directory over TLS" 0 "$(cat "$TMP/w.rc")"
n=$(name_for env)
CREATED_NAMES+=("$n")
LDAPURI=ldap://127.0.0.1:9 LDAPTLS_REQCERT=never CT_X=1 gw_run "$TMP/c" alice -T -o SendEnv=LDAP* -o SendEnv=CT_* -- create --hostname "$n"
check_eq "create still reaches the pinned agent" 0 "$(cat "$TMP/c.rc")"
check "ProxyCommand never ran" test ! -e "$marker"
check_eq "LXD: the container exists" Running "$(lxd_get "/1.0/instances/$n" | jq -r .metadata.status)"
