#!/bin/bash
# The gateway account, as a user reaches it: the forced command answers
# `version` and `help`, rejects anything else with exit 2, and never runs
# what the user typed.
source "$(dirname "$0")/../lib.sh"

gw() { # command words...
    ssh -T -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -p "$CTGATE_SSH_PORT" "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" "$@" </dev/null
}

out=$(gw version 2>&1); rc=$?
check_eq "version exits 0" 0 "$rc"
check "version prints ctgate and a version" grep -qE '^ctgate [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out"
out=$(gw help 2>&1); rc=$?
check_eq "help exits 0" 0 "$rc"
check "help lists version" grep -q '^  version' <<<"$out"
out=$(gw 'version; id' 2>&1); rc=$?
check_eq "'version; id' is not a command: exit 2" 2 "$rc"
check_not "and id did not run" grep -q 'uid=' <<<"$out"
out=$(gw '$(touch /tmp/ctgate-pwned)' 2>&1); rc=$?
check_eq "\$(...) is not a command: exit 2" 2 "$rc"
check_not "nothing was executed" test -e /tmp/ctgate-pwned
