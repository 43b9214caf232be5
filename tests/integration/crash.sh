#!/bin/bash
# Crash recovery: the agent dies by SIGKILL right after each step of a create
# and of a delete (test builds: "kill-STEP" in STATE_DIR/fault-inject), and a
# delete fails after each of its steps (a create failing after each step is
# agent-rollback.sh).  Then
# `ctgate-agent reconcile --fix`, or the next create of the same name, brings
# LXD, the registry and nginx back into agreement: a create killed before it
# settled leaves nothing, one killed after its last step is a finished
# container, a killed delete is finished; a start LXD is still carrying out
# when the rollback comes is waited for.  A bystander container of another
# request is never touched.
source "$(dirname "$0")/../lib.sh"

create_steps=$CREATE_STEPS
delete_steps="destroy release unpublish"
http=$CTGATE_NGINX_DIR/ctgate/http.conf
stream=$CTGATE_NGINX_DIR/ctgate/stream.conf
pending_of() { jq -r --arg h "$1" '.hostnames[$h].pending.op // "none"' "$CTGATE_AGENT_STATE/registry.json"; }
kill_at() { echo "kill-$1" > "$CTGATE_AGENT_STATE/fault-inject"; }
no_fault() { rm -f "$CTGATE_AGENT_STATE/fault-inject"; }
nginx_as_before() {
    check "$1: nginx's files are as they were" cmp -s "$TMP/http.before" "$http"
    check "$1: (stream too)" cmp -s "$TMP/stream.before" "$stream"
}
gone() { # NAME LABEL
    check_eq "$2: no instance" 404 "$(lxd_status_code "/1.0/instances/$1")"
    check_not "$2: no reservation" registry_has "$1"
    nginx_as_before "$2"
}

by=$(name_for bystander)
create bob "$by" "$TMP/by"
check_eq "a bystander container of another request" true "$(result_field "$TMP/by" .ok)"
cp "$http" "$TMP/http.before"
cp "$stream" "$TMP/stream.before"

for how in reconcile next-create; do
    echo "== recovery by $how"
    for step in $create_steps; do
        n=$(name_for "k${how:0:1}-$step")
        rid=killed-$RUN_ID-${how:0:1}-$step
        pool_ready
        kill_at "$step"
        create alice "$n" "$TMP/$how-$step" "$rid"
        no_fault
        check_ne "create killed after $step: no normal exit" 0 "$(cat "$TMP/$how-$step.rc")"
        check_eq "$step: no result line (the agent died)" "" "$(result_of "$TMP/$how-$step")"
        check_eq "$step: the last progress line is its done" "$step done" \
            "$(jq -r 'select(.type=="progress") | "\(.step) \(.state)"' "$TMP/$how-$step.out" | tail -1)"
        if [ "$step" = publish ]; then
            check_eq "$step: settled before the kill" none "$(pending_of "$n")"
        else
            check_eq "$step: the registry still shows the create pending" create "$(pending_of "$n")"
        fi
        if [ "$how" = reconcile ]; then
            agent_cmd reconcile --fix >"$TMP/$how-$step.fix" 2>&1
            check_no_sanitizer_report "$TMP/$how-$step.fix"
            if [ "$step" = publish ]; then
                check_eq "$step: nothing to fix, a finished container" 0 "$(grep -c "$n" "$TMP/$how-$step.fix")"
                check_eq "$step: it runs" Running "$(lxd_state "$n")"
                check "$step: it is published" grep -q "server_name $n\." "$http"
                agent_send "$(req_named delete alice "$n")" "$TMP/$how-$step.del"
            else
                check "$step: reconcile names the interrupted create" grep -q "create of $n (request .*) was interrupted: rolled back" "$TMP/$how-$step.fix"
                gone "$n" "$step"
            fi
        else
            create alice "$n" "$TMP/$how-$step.again"
            if [ "$step" = publish ]; then
                check_eq "$step: the finished container keeps its name" hostname_taken "$(result_field "$TMP/$how-$step.again" .error.code)"
            else
                check_eq "$step: the next create of the name succeeds" true "$(result_field "$TMP/$how-$step.again" .ok)"
                check_ne "$step: a new request's instance, not the killed one's" "$rid" "$(lxd_config "$n" user.ctgate.request_id)"
            fi
            check_eq "$step: one instance of the name" 1 "$(lxd_instance_count "$n")"
            agent_send "$(req_named delete alice "$n")" "$TMP/$how-$step.del"
            check_eq "$step: deleted again" true "$(result_field "$TMP/$how-$step.del" .ok)"
            gone "$n" "$step (after delete)"
        fi
        CREATED_NAMES+=("$n")
    done
    for step in $delete_steps; do
        n=$(name_for "d${how:0:1}-$step")
        CREATED_NAMES+=("$n")
        create alice "$n" "$TMP/$how-d$step.c"
        kill_at "$step"
        agent_send "$(req_named delete alice "$n")" "$TMP/$how-d$step"
        no_fault
        check_eq "delete killed after $step: no result line" "" "$(result_of "$TMP/$how-d$step")"
        if [ "$step" = destroy ]; then
            check_eq "$step: the registry shows the delete pending" delete "$(pending_of "$n")"
        fi
        if [ "$how" = reconcile ]; then
            agent_cmd reconcile --fix >"$TMP/$how-d$step.fix" 2>&1
            check_no_sanitizer_report "$TMP/$how-d$step.fix"
        else
            create alice "$n" "$TMP/$how-d$step.again"
            check_eq "$step: the next create of the name succeeds" true "$(result_field "$TMP/$how-d$step.again" .ok)"
            agent_send "$(req_named delete alice "$n")" "$TMP/$how-d$step.del"
        fi
        gone "$n" "delete killed after $step"
    done
done

echo "== a delete that fails after each step (injected): said so, then finished by reconcile"
for step in $delete_steps; do
    n=$(name_for "df-$step")
    CREATED_NAMES+=("$n")
    create alice "$n" "$TMP/df-$step.c"
    echo "$step" > "$CTGATE_AGENT_STATE/fault-inject"
    agent_send "$(req_named delete alice "$n")" "$TMP/df-$step"
    no_fault
    check_eq "delete failing after $step: not ok" false "$(result_field "$TMP/df-$step" .ok)"
    check_eq "$step: the error names the step" "$step" "$(result_field "$TMP/df-$step" .error.step)"
    check_eq "$step: no instance (destroy ran)" 404 "$(lxd_status_code "/1.0/instances/$n")"
    agent_cmd reconcile --fix >"$TMP/df-$step.fix" 2>&1
    gone "$n" "delete failing after $step, reconciled"
done

echo "== recovery while LXD is still starting the half-made container"
# (What a create whose LXD froze during the start step leaves: the start
# arrives once LXD answers again, just as the rollback comes.)  A claimed
# container was started long before: not on the pool lane.
rounds="1 2 3"
[ "$MADE_STEP" = clone ] || rounds=""
for round in $rounds; do
    n=$(name_for "ks-$round")
    CREATED_NAMES+=("$n")
    kill_at clone
    create alice "$n" "$TMP/ks-$round"
    no_fault
    check_eq "round $round: killed after clone (before start), still pending" create "$(pending_of "$n")"
    curl -s --max-time 10 --unix-socket "$CTGATE_LXD_SOCKET" -X PUT -d '{"action":"start"}' \
        "http://lxd/1.0/instances/$n/state" >"$TMP/ks-$round.start"
    check "round $round: LXD took the start" jq_true '.type == "async"' "$TMP/ks-$round.start"
    agent_cmd reconcile --fix >"$TMP/ks-$round.fix" 2>&1
    check "round $round: reconcile rolls it back" grep -q "create of $n (request .*) was interrupted: rolled back" "$TMP/ks-$round.fix" ||
        sed 's/^/    | /' "$TMP/ks-$round.fix"
    gone "$n" "round $round"
done

echo "== through the gateway: the user is told how to finish a create whose agent died"
n=$(name_for gw-lost)
CREATED_NAMES+=("$n")
rid=lost-$RUN_ID
kill_at keys
gw_run "$TMP/gw-lost" alice -- create --hostname "$n" --request-id "$rid"
no_fault
check_ne "the create fails" 0 "$(cat "$TMP/gw-lost.rc")"
check "the message names the request id to repeat with" grep -qF -- "repeat it with --request-id $rid" "$TMP/gw-lost.err" ||
    sed 's/^/    | /' "$TMP/gw-lost.err"
check "and the admin's reconcile" grep -qF "ctgate-agent reconcile --fix" "$TMP/gw-lost.err"
gw_run "$TMP/gw-again" alice -- create --hostname "$n" --request-id "$rid"
check_eq "repeating it as told makes the container" 0 "$(cat "$TMP/gw-again.rc")" || sed 's/^/    | /' "$TMP/gw-again.err"
check_eq "which runs" Running "$(lxd_state "$n")"
gw_run "$TMP/gw-lost-del" alice -- delete "$n" --yes
check_eq "and is deleted" 0 "$(cat "$TMP/gw-lost-del.rc")"

echo "== the bystander"
check_eq "still running" Running "$(lxd_state "$by")"
check "still reserved, by its own request" registry_has "$by"
check "still published" grep -q "server_name $by\." "$http"
agent_cmd reconcile >"$TMP/final" 2>&1
check_eq "reconcile: everything agrees" 0 "$?"
agent_send "$(req_named delete bob "$by")" "$TMP/by-del"
