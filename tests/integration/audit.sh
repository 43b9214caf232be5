#!/bin/bash
# The signed audit trail: every operation through the gateway is on record
# (who, what, result, step timings, never a secret): one that changes
# something as a begin record written before it starts and its result after,
# a read-only one as one record written before its answer; `ctgate-agent audit
# verify` proves it whole and names the first bad record when one byte of
# any record is flipped, a record is deleted, two are swapped or the last
# ones are cut off (the signed audit.head); `history`
# shows a user their own records only.
source "$(dirname "$0")/../lib.sh"

log=$CTGATE_AGENT_STATE/audit.log
before=$(wc -l < "$log" 2>/dev/null || echo 0)
n=$(name_for aud)
CREATED_NAMES+=("$n")
gw_run "$TMP/c" alice -T -- create --hostname "$n" --json
pw=$(jq -r .data.root_password "$TMP/c.out")
gw_run "$TMP/i" alice -T -- info "$n"
gw_run "$TMP/f" alice -T -- create --hostname "$n"
password_of bob > "$TMP/b.in"
gw_run "$TMP/b" bob -T -- list --user bob --password-stdin
gw_run "$TMP/d" alice -T -- delete "$n" --yes
after=$(wc -l < "$log")
check "one record per operation (5 + the prompts' checks: at least 5)" test $((after - before)) -ge 5
tail -n $((after - before)) "$log" > "$TMP/new"
check "the create: alice, her key's fingerprint, her address, ok" jq_true -s --arg n "$n" 'map(select(.op == "create" and .params.hostname == $n and .result.ok)) | length == 1 and (.[0].who.uid == "alice") and (.[0].who.key_fingerprint | startswith("SHA256:")) and (.[0].who.client | startswith("127.0.0.1"))' "$TMP/new"
check "with every step and its duration" jq_true -s --arg n "$n" 'map(select(.op == "create" and .params.hostname == $n and .result.ok))[0].steps | map(.step) == ["reserve","clone","start","account","keys","password","network","identity","publish"]' "$TMP/new"
check "the failed create: hostname_taken at reserve" jq_true -s --arg n "$n" 'map(select(.op == "create" and .params.hostname == $n and has("result") and (.result.ok | not)))[0].result | .code == "hostname_taken" and .step == "reserve"' "$TMP/new"
check "each create and the delete: a begin record (no result) before its result, which names it" jq_true -s --arg n "$n" '
    [.[] | select((.op == "create" or .op == "delete") and .params.hostname == $n)] as $r
    | ($r | map(select(.phase == "begin")) | length == 3 and all(has("result") | not))
    and ($r | map(select(has("result"))) | length == 3
         and all(.begin as $b | $r | any(.phase == "begin" and .seq == $b))
         and all(.begin < .seq))' "$TMP/new"
# (delete asks info first: two info records, each one line without a begin)
check "a read-only operation (info, list): one record each, no begin" jq_true -s --arg n "$n" 'map(select((.op == "info" and .params.hostname == $n) or .op == "list")) | length >= 2 and all(has("begin") | not) and all(.phase != "begin") and all(.result.ok)' "$TMP/new"
check "bob's list" jq_true -s 'map(select(.op == "list" and .who.uid == "bob")) | length >= 1' "$TMP/new"
check "the key is there only as a fingerprint" jq_true -s --arg n "$n" 'map(select(.op == "create" and .params.hostname == $n))[0].params | (has("pubkey") | not) and (.pubkey_fingerprint | startswith("SHA256:"))' "$TMP/new"
check_not "the root password is nowhere in the log" grep -qF "$pw" "$log"
check_not "nor bob's LDAP password" grep -qF "$(password_of bob)" "$log"
check_eq "mode 0600" 600 "$(stat -c %a "$log")"
check_eq "the signing key: mode 0600" 600 "$(stat -c %a "$CTGATE_AGENT_STATE/audit.key")"

agent_cmd audit verify >"$TMP/v0" 2>&1
check_eq "verify: intact, exit 0" 0 "$?"
check "says how many" grep -qE "^audit: $after records, hash chain and signatures intact" "$TMP/v0"
agent_cmd audit show --user bob >"$TMP/show" 2>&1
check "show --user bob: bob's list" grep -qE " bob +list " "$TMP/show"
check_not "show --user bob: nothing of alice" grep -q " alice " "$TMP/show"
agent_cmd audit show --name "$n" --since 1h --json >"$TMP/showj" 2>&1
check "show --name --since --json" jq_true -s --arg n "$n" 'length >= 3 and all(.params.hostname == $n)' "$TMP/showj"

echo "-- tampering, on a copy of the state directory"
copy=$TMP/state
install -d -m 0700 -o "$CTGATE_AGENT_USER" "$copy"
chmod 0755 "$TMP"
sed "s|^state_dir = .*|state_dir = \"$copy\";|" "$CTGATE_AGENT_CONF" > "$TMP/agent.conf"
chmod 0644 "$TMP/agent.conf"
cp "$CTGATE_AGENT_STATE/audit.pub" "$copy/"
cp "$CTGATE_AGENT_STATE/audit.head" "$TMP/head" # the head first: then the log reaches it
install -m 0600 -o "$CTGATE_AGENT_USER" "$TMP/head" "$copy/audit.head"
verify_copy() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$TMP/agent.conf" audit verify; }
put() { cp "$1" "$copy/audit.log"; chown "$CTGATE_AGENT_USER" "$copy/audit.log"; }
cp "$log" "$TMP/orig"
total=$(wc -l < "$TMP/orig")
lines=12
put "$TMP/orig"
verify_copy >"$TMP/vc" 2>&1
check_eq "the copy verifies" 0 "$?"
flipped=0 named=0
for k in $(seq 1 "$lines") $(seq $((total - 2)) "$total"); do
    len=$(sed -n "${k}p" "$TMP/orig" | wc -c)
    pos=$(( ($(od -An -N2 -tu2 /dev/urandom) % (len - 1)) ))
    off=$(( $(head -n $((k - 1)) "$TMP/orig" | wc -c) + pos ))
    python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[int(sys.argv[2])]^=1; open(sys.argv[3],'wb').write(d)" "$TMP/orig" "$off" "$TMP/bad"
    put "$TMP/bad"
    verify_copy >"$TMP/vb" 2>&1
    [ "$?" = 5 ] && flipped=$((flipped + 1))
    grep -qE "record (at line )?$k[: ]" "$TMP/vb" && named=$((named + 1)) || sed "s/^/       record $k: /" "$TMP/vb"
done
check_eq "a flipped byte in each of the first $lines and the last 3 records: verify fails (exit 5)" $((lines + 3)) "$flipped"
check_eq "and names that record" $((lines + 3)) "$named"
sed '5d' "$TMP/orig" > "$TMP/del"; put "$TMP/del"
verify_copy >"$TMP/vd" 2>&1
check_eq "record 5 deleted: exit 5" 5 "$?"
check "names line 5" grep -q "record at line 5 has sequence number 6" "$TMP/vd"
awk 'NR == 7 { held = $0; next } NR == 8 { print; print held; next } { print }' "$TMP/orig" > "$TMP/swap"
put "$TMP/swap"
verify_copy >"$TMP/vs" 2>&1
check_eq "records 7 and 8 swapped: exit 5" 5 "$?"
check "names line 7" grep -q "record at line 7 has sequence number 8" "$TMP/vs"
head -n $((total - 1)) "$TMP/orig" > "$TMP/cut1"; put "$TMP/cut1"
verify_copy >"$TMP/vt" 2>&1
check_eq "the last record cut off: exit 5" 5 "$?"
check "says records were removed from the end" grep -q "the log ends at record $((total - 1)), but audit.head says record $total was written" "$TMP/vt"
head -n $((total - 3)) "$TMP/orig" > "$TMP/cut3"; put "$TMP/cut3"
verify_copy >"$TMP/vt3" 2>&1
check_eq "the last 3 cut off: exit 5" 5 "$?"
rm "$copy/audit.head"
put "$TMP/orig"
verify_copy >"$TMP/vh" 2>&1
check_eq "audit.head removed: exit 5" 5 "$?"
check "says so" grep -q "audit.head is missing" "$TMP/vh"
install -m 0600 -o "$CTGATE_AGENT_USER" "$TMP/head" "$copy/audit.head"
verify_copy >"$TMP/vr" 2>&1
check_eq "restored: intact again" 0 "$?"

echo "-- history: a user's own records"
gw_run "$TMP/h" alice -T -- history "$n" --json
check "alice's history of $n: create, info, the failed create, delete" jq_true '[.data.records[].op] | index("create") != null and index("info") != null and index("delete") != null' "$TMP/h.out"
check "only alice's" jq_true 'all(.data.records[]; .who.uid == "alice")' "$TMP/h.out"
check "no signatures or hashes shown" jq_true 'all(.data.records[]; has("sig") | not)' "$TMP/h.out"
gw_run "$TMP/ht" alice -T -- history "$n"
check "as text" grep -qE "^[0-9TZ:-]+ +create +$n +127.0.0.1.* +ok " "$TMP/ht.out"
cp "$TMP/b.in" "$TMP/hb.in"
gw_run "$TMP/hb" bob -T -- history "$n" --user bob --password-stdin --json
check "bob sees none of alice's records about it" jq_true '.data.records | length == 0' "$TMP/hb.out"
