#!/bin/bash
# The gateway trusts the agent only under the host key pinned in its
# configuration: a changed or missing key is refused, and the user is told.
source "$(dirname "$0")/../lib.sh"

pin=$CTGATE_AGENT_KNOWN_HOSTS
cp "$pin" "$TMP/pin.orig"
trap 'cat "$TMP/pin.orig" > "$pin"; finish' EXIT

gw_run "$TMP/ok" alice -T -- list
check_eq "with the right pin: list works" 0 "$(cat "$TMP/ok.rc")"

ssh-keygen -q -t ed25519 -N '' -f "$TMP/impostor"
printf '[127.0.0.1]:%s %s\n' "$CTGATE_SSH_PORT" "$(cut -d' ' -f1,2 "$TMP/impostor.pub")" > "$pin"
n=$(name_for hk)
CREATED_NAMES+=("$n")
gw_run "$TMP/c1" alice -T -- create --hostname "$n"
check_eq "changed agent host key: exit 6" 6 "$(cat "$TMP/c1.rc")"
check "says the host key changed" grep -q "host key has changed" "$TMP/c1.err"
check_eq "nothing was created" 0 "$(lxd_instance_count "$n")"

: > "$pin"
gw_run "$TMP/c2" alice -T -- list
check_eq "no pinned key at all (no trust on first use): exit 6" 6 "$(cat "$TMP/c2.rc")"
check "says it is not pinned" grep -q "not pinned" "$TMP/c2.err"
check_eq "and the pin file was not filled in" 0 "$(wc -c <"$pin")"
