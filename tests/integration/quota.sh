#!/bin/bash
# Quotas (the rig gives erin 2 containers, 256MiB in total and 8 creates per
# hour; dave the same but 1 create per hour, and he is in the admin group):
# reaching one gives exit 4 and creates nothing; an admin is not held to
# his; a freed container frees quota; the hour's creates count attempts
# (a repeat of a request id does not), and once the hour has passed (the
# recorded times moved back) creating works again.
source "$(dirname "$0")/../lib.sh"

as_erin() { local p=$1; shift; password_of erin > "$p.in"; gw_run "$p" erin -T -- "$@" --user erin --password-stdin; }
as_dave() { local p=$1; shift; password_of dave > "$p.in"; gw_run "$p" dave -T -- "$@" --user dave --password-stdin; }

rate_file=$CTGATE_AGENT_STATE/rate/erin
rm -f "$rate_file" # erin starts a clean hour (quota.sh may have run minutes ago)
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
check "templates tells erin her quota" jq_true '.data.quota == {"containers":2,"memory":"256MiB","creates_per_hour":8,"snapshots":2}' "$TMP/t.out"
as_erin "$TMP/tt" templates
check "as text" grep -qx "Your quota: 2 containers, 256MiB memory in total, 8 creates per hour, 2 snapshots" "$TMP/tt.out"
as_erin "$TMP/del" delete "$e1" --yes
rid=erin-$RUN_ID-e3b
as_erin "$TMP/e3b" create --hostname "$e3" --request-id "$rid"
check_eq "after a delete there is room again" 0 "$(cat "$TMP/e3b.rc")"

echo "-- creates per hour"
check_eq "5 creates counted so far (the refused ones too)" 5 "$(wc -l < "$rate_file")"
for i in 1 2 3; do as_erin "$TMP/taken$i" create --hostname "$e2"; done
check_eq "3 more on a taken name: exit 5 each" "5 5 5" "$(cat "$TMP"/taken{1,2,3}.rc | tr '\n' ' ' | sed 's/ $//')"
e4=$(name_for q4)
CREATED_NAMES+=("$e4")
as_erin "$TMP/r9" create --hostname "$e4" --memory 32MiB --json
check_eq "the 9th in the hour: exit 4" 4 "$(cat "$TMP/r9.rc")"
check "rate_limited, saying when the next is possible" jq_true '.error.code == "rate_limited" and (.error.message | test("you started 8 creates in the last hour, the most allowed is 8; the next is possible at [0-9T:-]+Z"))' "$TMP/r9.out"
check_eq "nothing created" 404 "$(lxd_status_code "/1.0/instances/$e4")"
check_not "nothing reserved" registry_has "$e4"
as_erin "$TMP/r9t" create --hostname "$e4" --memory 32MiB
check "as text" grep -q "^ctgate: too many creates: you started 8 creates in the last hour" "$TMP/r9t.err"
as_erin "$TMP/rep" create --hostname "$e3" --request-id "$rid" --json
check_eq "a repeat of a finished request is still answered" "0 true" "$(cat "$TMP/rep.rc") $(jq -r .data.repeated "$TMP/rep.out")"
check_eq "and not counted" 8 "$(wc -l < "$rate_file")"
as_erin "$TMP/del3" delete "$e3" --yes
now=$(date +%s)
for i in $(seq 8); do echo $((now - 3660)); done > "$rate_file" # an hour and a minute ago
as_erin "$TMP/r10" create --hostname "$e4" --memory 32MiB
check_eq "an hour later: created" 0 "$(cat "$TMP/r10.rc")"
check_eq "the old times are forgotten" 1 "$(wc -l < "$rate_file")"
as_erin "$TMP/del4" delete "$e4" --yes

echo "-- an admin is not held to a quota"
d1=$(name_for qd1) d2=$(name_for qd2)
CREATED_NAMES+=("$d1" "$d2")
as_dave "$TMP/d1" create --hostname "$d1"
as_dave "$TMP/d2" create --hostname "$d2" --size medium
check_eq "dave's first" 0 "$(cat "$TMP/d1.rc")"
check_eq "dave's second, past the 1 container and 128MiB of his entry" 0 "$(cat "$TMP/d2.rc")"
as_dave "$TMP/dt" templates --json
check "templates: no quota for an admin" jq_true '.data.quota == {"containers":null,"memory":null,"creates_per_hour":null,"snapshots":null}' "$TMP/dt.out"
check_not "nor a count of his creates (2 in this hour, 1 in his entry)" test -e "$CTGATE_AGENT_STATE/rate/dave"
