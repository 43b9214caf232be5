#!/bin/bash
# Idempotent creates (--request-id / CT_REQUEST_ID): the same create sent 20
# times gives one container and the first result every time (the root
# password only the first time); sent 6 times at once, still one container;
# a different create of the same user reusing the id is refused (exit 5);
# ids are scoped to their owner: another user's use of the same id is a new
# request of theirs, which neither waits for, sees nor is blocked by the first;
# a repeat after the first attempt was killed mid-way starts over cleanly.
source "$(dirname "$0")/../lib.sh"

n=$(name_for idem)
CREATED_NAMES+=("$n")
rid=idem-$RUN_ID-seq
for i in $(seq 1 20); do
    gw_run "$TMP/r$i" alice -T -- create --hostname "$n" --request-id "$rid" --json
done
check_eq "the first create: exit 0" 0 "$(cat "$TMP/r1.rc")"
check "the first answer has the root password" jq_true '.data.root_password | length == 20' "$TMP/r1.out"
ok=0 same=0 nopw=0
for i in $(seq 2 20); do
    [ "$(cat "$TMP/r$i.rc")" = 0 ] && ok=$((ok + 1))
    jq_true --slurpfile first "$TMP/r1.out" '.data.repeated == true and .data.name == $first[0].data.name and .data.ipv4 == $first[0].data.ipv4 and .data.request_id == $first[0].data.request_id' "$TMP/r$i.out" && same=$((same + 1))
    jq_true '.data | has("root_password") | not' "$TMP/r$i.out" && nopw=$((nopw + 1))
done
check_eq "19 repeats: exit 0" 19 "$ok"
check_eq "19 repeats: the first result, marked repeated" 19 "$same"
check_eq "19 repeats: no root password" 19 "$nopw"
check_eq "LXD: one container" 1 "$(lxd_instance_count "$n")"
check_eq "it carries the request id" "$rid" "$(lxd_config "$n" user.ctgate.request_id)"
CT_REQUEST_ID=$rid gw_run "$TMP/env" alice -T -o SendEnv=CT_REQUEST_ID -- create --hostname "$n"
check_eq "CT_REQUEST_ID works the same: exit 0" 0 "$(cat "$TMP/env.rc")"
check "as text it says nothing new was made" grep -q "made by the first create with this request id" "$TMP/env.out"

echo "-- the same create 6 times at once"
p=$(name_for idem-par)
CREATED_NAMES+=("$p")
for i in $(seq 1 6); do
    gw_run "$TMP/p$i" alice -T -- create --hostname "$p" --request-id "idem-$RUN_ID-par" --json &
done
wait
ok=0
for i in $(seq 1 6); do [ "$(cat "$TMP/p$i.rc")" = 0 ] && ok=$((ok + 1)); done
check_eq "all 6 answer ok" 6 "$ok"
check_eq "exactly one of them made it (has the password)" 1 "$(cat "$TMP"/p*.out | jq -s '[.[] | select(.data.root_password != null)] | length')"
check_eq "LXD: one container" 1 "$(lxd_instance_count "$p")"

echo "-- reusing an id for something else"
gw_run "$TMP/other" alice -T -- create --hostname "$(name_for idem-other)" --request-id "$rid" --json
check_eq "another hostname, same id: exit 5" 5 "$(cat "$TMP/other.rc")"
check "request_id_reused" jq_true '.error.code == "request_id_reused"' "$TMP/other.out"
check_eq "nothing made" 404 "$(lxd_status_code "/1.0/instances/$(name_for idem-other)")"
gw_run "$TMP/size" alice -T -- create --hostname "$n" --size medium --request-id "$rid"
check_eq "same hostname, other parameters: exit 5" 5 "$(cat "$TMP/size.rc")"
password_of bob > "$TMP/bob.in"
gw_run "$TMP/bob" bob -T -- create --user bob --password-stdin --hostname "$n" --request-id "$rid" --json
check_eq "bob with alice's id and her hostname: exit 5" 5 "$(cat "$TMP/bob.rc")"
check "as a taken name, not as a reused id (which would say the id exists)" \
    jq_true '.error.code == "hostname_taken"' "$TMP/bob.out"
check_not "and learns nothing of alice's container" grep -q '"ipv4"' "$TMP/bob.out"
# bob has now used $rid himself (a failed create is recorded too): take another id of alice's.
rid2="${rid}-2"
gw_run "$TMP/alice-rid2" alice -T -- create --hostname "$n" --request-id "$rid2" --json
check "alice's second id: recorded (her name is taken)" jq_true '.error.code == "hostname_taken"' "$TMP/alice-rid2.out"
nb=$(name_for idem-bob)
CREATED_NAMES+=("$nb")
password_of bob > "$TMP/bob2.in"
gw_run "$TMP/bob2" bob -T -- create --user bob --password-stdin --hostname "$nb" --request-id "$rid2" --json
check_eq "bob with alice's id and a new hostname: his own create, exit 0" 0 "$(cat "$TMP/bob2.rc")"
check "a new container of his, with its own root password, not a repeat" \
    jq_true --arg n "$nb" '.data.name == $n and .data.owner == "bob" and (.data.root_password | length == 20) and (.data.repeated | not)' "$TMP/bob2.out"
check_eq "LXD: bob's" bob "$(lxd_config "$nb" user.ctgate.owner)"
gw_run "$TMP/alice-again" alice -T -- create --hostname "$n" --request-id "$rid" --json
check "alice's repeat still returns her first result" \
    jq_true --slurpfile first "$TMP/r1.out" '.data.repeated == true and .data.ipv4 == $first[0].data.ipv4' "$TMP/alice-again.out"
password_of bob > "$TMP/bob3.in"
gw_run "$TMP/bob3" bob -T -- create --user bob --password-stdin --hostname "$nb" --request-id "$rid2" --json
check "bob's repeat returns his" jq_true --arg n "$nb" '.data.repeated == true and .data.name == $n' "$TMP/bob3.out"
password_of bob > "$TMP/bobd.in"
gw_run "$TMP/bobd" bob -T -- delete "$nb" --yes --user bob --password-stdin
check_eq "bob's deleted" 0 "$(cat "$TMP/bobd.rc")"
gw_run "$TMP/badid" alice -T -- create --hostname "$n" --request-id 'x;y'
check_eq "a malformed id: exit 2" 2 "$(cat "$TMP/badid.rc")"

echo "-- the first attempt was killed: a repeat starts over"
k=$(name_for idem-kill)
CREATED_NAMES+=("$k")
echo kill-keys > "$CTGATE_AGENT_STATE/fault-inject"
gw_run "$TMP/k1" alice -T -- create --hostname "$k" --request-id "idem-$RUN_ID-kill" --json
rm -f "$CTGATE_AGENT_STATE/fault-inject"
check_ne "killed: not exit 0" 0 "$(cat "$TMP/k1.rc")"
gw_run "$TMP/k2" alice -T -- create --hostname "$k" --request-id "idem-$RUN_ID-kill" --json
check_eq "the repeat: exit 0" 0 "$(cat "$TMP/k2.rc")"
check "made anew (with a root password)" jq_true '.data.root_password | length == 20' "$TMP/k2.out"
check_eq "LXD: one container, running" Running "$(lxd_state "$k")"
check "alice's key is in it" grep -qF "$(cut -d' ' -f2 "$CTGATE_KEY_alice.pub")" <<<"$(lxd_file "$k" /home/alice/.ssh/authorized_keys)"
