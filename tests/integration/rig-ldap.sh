#!/bin/bash
# The rig's directory is real and as documented: slapd answers over StartTLS
# and LDAPS with a certificate that verifies only against the rig's CA, binds
# check passwords, the groups and alice's sshPublicKey are in place.
source "$(dirname "$0")/../lib.sh"

base=$CTGATE_LDAP_BASE
bind_as() { # uid password [uri] [extra flags...]
    local uid=$1 pw=$2 uri=${3:-$CTGATE_LDAP_URI}; shift 3 2>/dev/null || shift $#
    LDAPTLS_CACERT=$CTGATE_LDAP_CA LDAPTLS_REQCERT=demand \
        ldapwhoami -x -H "$uri" -D "uid=$uid,ou=people,$base" -w "$pw" "$@" 2>/dev/null
}

check_eq "alice binds over StartTLS with the rig CA" "dn:uid=alice,ou=people,$base" \
    "$(bind_as alice "$CTGATE_PASSWORD_alice" "$CTGATE_LDAP_URI" -ZZ)"
check_eq "alice binds over LDAPS with the rig CA" "dn:uid=alice,ou=people,$base" \
    "$(bind_as alice "$CTGATE_PASSWORD_alice" "$CTGATE_LDAPS_URI")"
check_not "a wrong password does not bind" bind_as alice "wrong-$CTGATE_PASSWORD_alice" "$CTGATE_LDAP_URI" -ZZ
check_not "bob's password is not alice's" bind_as alice "$CTGATE_PASSWORD_bob" "$CTGATE_LDAP_URI" -ZZ
check_not "LDAPS without the rig CA fails verification" \
    env LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt LDAPTLS_REQCERT=demand \
    ldapwhoami -x -H "$CTGATE_LDAPS_URI" -D "uid=alice,ou=people,$base" -w "$CTGATE_PASSWORD_alice" 2>/dev/null
for u in bob carol dave; do
    pw_var=CTGATE_PASSWORD_$u
    check_eq "$u binds with their password" "dn:uid=$u,ou=people,$base" \
        "$(bind_as "$u" "${!pw_var}" "$CTGATE_LDAP_URI" -ZZ)"
done

members=$(ldapsearch -x -LLL -H "$CTGATE_LDAP_URI" -b "ou=groups,$base" "(cn=ctgate-users)" memberUid |
    sed -n 's/^memberUid: //p' | sort | tr '\n' ' ')
check_eq "ctgate-users: alice, bob, dave, erin (not carol)" "alice bob dave erin " "$members"
admins=$(ldapsearch -x -LLL -H "$CTGATE_LDAP_URI" -b "ou=groups,$base" "(cn=ctgate-admins)" memberUid |
    sed -n 's/^memberUid: //p' | tr '\n' ' ')
check_eq "ctgate-admins: dave" "dave " "$admins"
key=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$CTGATE_LDAP_URI" -b "ou=people,$base" "(uid=alice)" sshPublicKey |
    sed -n 's/^sshPublicKey: //p')
check_eq "alice's sshPublicKey is her rig key (TYPE BASE64, stored without its comment)" "$(cut -d" " -f1,2 "$CTGATE_KEY_alice.pub")" "$key"
check_eq "bob has no sshPublicKey" "" "$(ldapsearch -x -LLL -H "$CTGATE_LDAP_URI" -b "ou=people,$base" "(uid=bob)" sshPublicKey | sed -n 's/^sshPublicKey: //p')"
check_eq "alice's uidNumber is 10001" 10001 \
    "$(ldapsearch -x -LLL -H "$CTGATE_LDAP_URI" -b "ou=people,$base" "(uid=alice)" uidNumber | sed -n 's/^uidNumber: //p')"
check_eq "passwords are not readable anonymously" "" \
    "$(ldapsearch -x -LLL -H "$CTGATE_LDAP_URI" -b "ou=people,$base" "(uid=alice)" userPassword | sed -n 's/^userPassword:* //p')"
