#!/bin/bash
# Timeouts.  The directory stops answering: the gateway gives up after
# ldap.timeout with exit 7 and a clean message.  LXD stops answering in the
# middle of a create (its daemon is
# frozen with SIGSTOP right after the clone step).  The agent gives up after
# its configured call timeout with a clean `timeout` error naming the step
# (exit 7) instead of hanging; its rollback cannot reach LXD, so the
# reservation stays marked; once LXD answers again `reconcile --fix` removes
# the half-made container and the reservation, and nginx is as it was.
# The agent runs as its account with a copy of the rig's configuration whose
# LXD timeouts are 3 s (call) and 10 s (operation).
source "$(dirname "$0")/../lib.sh"

lxd_pid=$(cat "$CTGATE_RIG_DIR/pids/lxd.pid")
slapd_pid=$(cat "$CTGATE_RIG_DIR/pids/slapd.pid")
thaw() { kill -CONT "$lxd_pid" "$slapd_pid" 2>/dev/null; }
trap 'thaw; finish' EXIT
echo "-- slapd frozen: the gateway's LDAP calls time out"
ldap_timeout=$(sed -n 's/^ *timeout = \([0-9]*\);.*/\1/p' "$CTGATE_GATEWAY_CONF" | head -1)
kill -STOP "$slapd_pid"
start=$(date +%s)
gw_run "$TMP/ldap" alice -T -- whoami --json
took=$(( $(date +%s) - start ))
kill -CONT "$slapd_pid"
check_eq "whoami: exit 7" 7 "$(cat "$TMP/ldap.rc")"
check "a timeout error" jq_true '.error.code == "timeout"' "$TMP/ldap.out"
check "after about ldap.timeout (${ldap_timeout:-?}s), not forever (${took}s)" test "$took" -lt $(( ${ldap_timeout:-10} * 4 + 10 ))
gw_run "$TMP/ldap2" alice -T -- whoami
check_eq "slapd back: whoami works again" 0 "$(cat "$TMP/ldap2.rc")"

chmod 0755 "$TMP"
sed 's|^timeouts = .*|timeouts = { call = 3; operation = 10; ipv4 = 30; request_read = 5; };|' \
    "$CTGATE_AGENT_CONF" > "$TMP/agent.conf"
chmod 0644 "$TMP/agent.conf"
check "the copy has short timeouts" grep -q "call = 3;" "$TMP/agent.conf"
cp "$CTGATE_NGINX_DIR/ctgate/http.conf" "$TMP/http.before"

n=$(name_for hang)
CREATED_NAMES+=("$n")
req_create alice "$n" > "$TMP/req"
chmod 0644 "$TMP/req"
start=$(date +%s)
runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$TMP/agent.conf" \
    <"$TMP/req" >"$TMP/out" 2>"$TMP/err" &
agent=$!
for _ in $(seq 300); do
    grep -q '"step":"clone","state":"done"' "$TMP/out" && break
    sleep 0.05
done
kill -STOP "$lxd_pid"
echo "LXD frozen after the clone step"
wait "$agent"
rc=$?
took=$(( $(date +%s) - start ))
thaw
check_eq "the agent gave up: exit 7" 7 "$rc"
check "it took the call timeouts, not forever (${took}s)" test "$took" -lt 60
result=$(grep '"type":"result"' "$TMP/out")
check "a timeout error" jq_true '.error.code == "timeout"' <<<"$result"
# LXD is frozen a few milliseconds after clone is done: the next step or the one after it hangs.
step=$(jq -r .error.step <<<"$result")
check "naming the step LXD stopped answering in ($step)" grep -qxE "start|account" <<<"$step"
check "the same step's progress line says fail" grep -q "\"step\":\"$step\",\"state\":\"fail\"" "$TMP/out"
check "and saying the rollback will be finished later" jq_true '.error.message | test("finishes once it answers")' <<<"$result"
check_no_sanitizer_report "$TMP/err"
check "the reservation stays, marked as the create's" jq_true --arg h "$n" '.hostnames[$h].pending.op == "create"' "$CTGATE_AGENT_STATE/registry.json"

echo "-- LXD answers again"
for _ in $(seq 100); do [ "$(lxd_status_code /1.0)" = 200 ] && break; sleep 0.1; done
check_eq "the half-made instance is still there" 200 "$(lxd_status_code "/1.0/instances/$n")"
agent_cmd reconcile --fix >"$TMP/fix" 2>&1
check "reconcile --fix rolls it back" grep -q "create of $n (request .*) was interrupted: rolled back" "$TMP/fix" ||
    sed 's/^/    | /' "$TMP/fix"
check_eq "no instance" 404 "$(lxd_status_code "/1.0/instances/$n")"
check_not "no reservation" registry_has "$n"
check "nginx as it was" cmp -s "$TMP/http.before" "$CTGATE_NGINX_DIR/ctgate/http.conf"
agent_cmd reconcile >"$TMP/after" 2>&1
check_eq "everything agrees" 0 "$?"
