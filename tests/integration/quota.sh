#!/bin/bash
# Quotas (the rig gives erin 2 containers and 256MiB in total; dave the same
# but he is in the admin group): reaching one gives exit 4 and creates
# nothing; an admin is not held to his; a freed container frees quota.
source "$(dirname "$0")/../lib.sh"

as_erin() { local p=$1; shift; password_of erin > "$p.in"; gw_run "$p" erin -T -- "$@" --user erin --password-stdin; }
as_dave() { local p=$1; shift; password_of dave > "$p.in"; gw_run "$p" dave -T -- "$@" --user dave --password-stdin; }

e1=$(name_for q1) e2=$(name_for q2) e3=$(name_for q3)
CREATED_NAMES+=("$e1" "$e2" "$e3")
as_erin "$TMP/e1" create --hostname "$e1"
check_eq "erin's first (small, 128MiB)" 0 "$(cat "$TMP/e1.rc")"
as_erin "$TMP/e2m" create --hostname "$e2" --size medium
check_eq "a medium one (256MiB) would pass her memory quota: exit 4" 4 "$(cat "$TMP/e2m.rc")"
check "says why" grep -q "quota exceeded: memory: 128MiB held + 256MiB asked > 256MiB allowed" "$TMP/e2m.err"
check_eq "nothing created" 404 "$(lxd_status_code "/1.0/instances/$e2")"
check_not "nothing reserved" registry_has "$e2"
as_erin "$TMP/e2" create --hostname "$e2"
check_eq "a second small one fits" 0 "$(cat "$TMP/e2.rc")"
as_erin "$TMP/e3" create --hostname "$e3" --memory 32MiB --json
check_eq "a third: exit 4" 4 "$(cat "$TMP/e3.rc")"
check "--json: quota_exceeded, at reserve" jq_true '.error.code == "quota_exceeded" and .error.step == "reserve"' "$TMP/e3.out"
check_eq "nothing created" 404 "$(lxd_status_code "/1.0/instances/$e3")"
check_not "nothing reserved" registry_has "$e3"
as_erin "$TMP/t" templates --json
check "templates tells erin her quota" jq_true '.data.quota == {"containers":2,"memory":"256MiB"}' "$TMP/t.out"
as_erin "$TMP/del" delete "$e1" --yes
as_erin "$TMP/e3b" create --hostname "$e3"
check_eq "after a delete there is room again" 0 "$(cat "$TMP/e3b.rc")"

echo "-- an admin is not held to a quota"
d1=$(name_for qd1) d2=$(name_for qd2)
CREATED_NAMES+=("$d1" "$d2")
as_dave "$TMP/d1" create --hostname "$d1"
as_dave "$TMP/d2" create --hostname "$d2" --size medium
check_eq "dave's first" 0 "$(cat "$TMP/d1.rc")"
check_eq "dave's second, past the 1 container and 128MiB of his entry" 0 "$(cat "$TMP/d2.rc")"
as_dave "$TMP/dt" templates --json
check "templates: no quota for an admin" jq_true '.data.quota == {"containers":null,"memory":null}' "$TMP/dt.out"
