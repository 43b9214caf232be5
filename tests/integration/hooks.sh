#!/bin/bash
# After-create hooks (issue 14, hooks.after_create in agent.conf): commands the agent runs
# inside each new container, with CT_NAME, CT_OWNER, CT_ADDRESS and CT_ID in their
# environment, each a step "hook:NAME" of its own right before "publish".
#  - The rig's hook "enrol" (Debian only) reaches the rig's enrolment listener once per
#    create, with the container's name and id, from its address; a busybox create runs no hook.
#  - policy "fail": a hook that fails (or runs past its timeout) fails the create, naming the
#    hook, its exit status and the first line of its stderr; nothing is left (no instance in
#    LXD, no reservation, nginx's files as they were).  Run directly with a copy of the config.
#  - policy "warn": the container stays and the user sees the warning, in the text summary
#    and in --json.  Through the gateway, so the rig's agent.conf is changed for that part.
#  - A hook that sleeps past a 2 s timeout is reported as timed out after about 2 s.
source "$(dirname "$0")/../lib.sh"

tmpl=${CTGATE_DEBIAN_TEMPLATE:?the rig exports CTGATE_DEBIAN_TEMPLATE}
log=${CTGATE_ENROL_LOG:?the rig exports CTGATE_ENROL_LOG}
conf=$CTGATE_AGENT_CONF
cp "$conf" "$TMP/agent.conf.orig"
restore() { cp "$TMP/agent.conf.orig" "$conf.new" && mv -f "$conf.new" "$conf"; }
trap 'restore; finish' EXIT
chmod 0755 "$TMP" # the agent's account reads the config copies in it

# with_hooks FILE HOOKS: the rig's agent.conf with its hooks replaced by HOOKS (the body of
# a libconfig list of hook groups), written to FILE (atomically).
with_hooks() {
    awk '/^hooks = \{$/ { skip = 1 } !skip { print } skip && /^\};$/ { skip = 0 }' \
        "$TMP/agent.conf.orig" > "$1.new"
    printf 'hooks = {\n  after_create = (\n    %s\n  );\n};\n' "$2" >> "$1.new"
    chmod 0644 "$1.new"
    mv -f "$1.new" "$1"
}
# agent_with CONF JSON PREFIX: the agent run directly with CONF, as its account runs it.
agent_with() {
    printf '%s\n' "$2" | runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" \
        --config "$1" >"$3.out" 2>"$3.err"
    echo $? >"$3.rc"
    check_no_sanitizer_report "$3.err"
}
steps_of() { jq -r 'select(.type=="progress" and .state=="done") | .step' "$1.out" | tr '\n' ' '; }
undos_of() { jq -r 'select(.type=="progress" and .state=="undo") | .step' "$1.out" | tr '\n' ' ' | sed 's/ $//'; }
# The audit record of the create of NAME: the state its step STEP ended in.
audit_step() { # NAME STEP
    jq -r --arg h "$1" --arg s "$2" 'select(.op=="create" and .params.hostname==$h) | .steps[] | select(.step==$s) | .state' \
        "$CTGATE_AGENT_STATE/audit.log" | tr '\n' ' ' | sed 's/ $//'
}
enrolments() { grep -c " $1 " "$log" 2>/dev/null; } # NAME -> lines the listener wrote for it
gone() { # PREFIX NAME: nothing of the failed create is left
    check_eq "LXD has no such instance" 404 "$(lxd_status_code "/1.0/instances/$2")"
    check_not "the registry holds no reservation" registry_has "$2"
    check "nginx's files are as they were" cmp -s "$TMP/http.before" "$CTGATE_NGINX_DIR/ctgate/http.conf"
    check "(stream too)" cmp -s "$TMP/stream.before" "$CTGATE_NGINX_DIR/ctgate/stream.conf"
}

echo "-- the rig's hook: a Debian container enrols once, with its name and id"
a=$(name_for hk-deb)
CREATED_NAMES+=("$a")
gw_run "$TMP/a" alice -T -- create --hostname "$a" --template "$tmpl" --json
check_eq "create from $tmpl: exit 0" 0 "$(cat "$TMP/a.rc")" || sed 's/^/    | /' "$TMP/a.err"
ip=$(jq -r .data.ipv4 "$TMP/a.out")
rid=$(jq -r .data.request_id "$TMP/a.out")
check_eq "no warnings in the answer" null "$(jq -c .data.warnings "$TMP/a.out")"
check "the listener recorded the enrolment" eventually grep -q " $a " "$log"
check_eq "once" 1 "$(enrolments "$a")"
check_eq "from the container's address, with CT_NAME and CT_ID (the request id)" "$ip $a $rid" \
    "$(grep " $a " "$log")"
check_eq "the audit record has the hook's step, done" "done" "$(audit_step "$a" hook:enrol)"

b=$(name_for hk-deb2)
CREATED_NAMES+=("$b")
agent_send "$(req_create alice "$b" | jq -c --arg t "$tmpl" '.template = $t')" "$TMP/b"
check_eq "a second Debian create (agent protocol)" true "$(result_field "$TMP/b" .ok)"
seq=$(steps_of "$TMP/b")
check "progress shows hook:enrol as a step, right before publish" grep -q "hook:enrol publish " <<<"$seq"
check "after the password step" grep -qE "password .*hook:enrol" <<<"$seq"
check "the second container enrolled once too" eventually grep -q " $b " "$log"
check_eq "(once)" 1 "$(enrolments "$b")"
check_eq "and the first still once" 1 "$(enrolments "$a")"

c=$(name_for hk-bb)
create alice "$c" "$TMP/c"
check_eq "a busybox create" true "$(result_field "$TMP/c" .ok)"
check_not "runs no hook (the hook names only $tmpl)" grep -q '"step":"hook:' "$TMP/c.out"
check_eq "and enrols nothing" 0 "$(enrolments "$c")"

cp "$CTGATE_NGINX_DIR/ctgate/http.conf" "$TMP/http.before"
cp "$CTGATE_NGINX_DIR/ctgate/stream.conf" "$TMP/stream.before"

echo "-- policy fail: /bin/false rolls the create back and names the hook"
with_hooks "$TMP/fail.conf" '{ name = "gate"; argv = [ "/bin/false" ]; timeout = "30s"; policy = "fail"; templates = [ "busybox" ]; }'
d=$(name_for hk-fail)
CREATED_NAMES+=("$d")
agent_with "$TMP/fail.conf" "$(req_create alice "$d")" "$TMP/d"
check_eq "result not ok" false "$(result_field "$TMP/d" .ok)"
check_eq "error code hook_failed" hook_failed "$(result_field "$TMP/d" .error.code)"
check_eq "failed at the hook's step" hook:gate "$(result_field "$TMP/d" .error.step)"
check "the message names the hook and its exit status" \
    grep -q "gate exited with 1" <<<"$(result_field "$TMP/d" .error.message)"
check_eq "exit code 6" 6 "$(cat "$TMP/d.rc")"
check_eq "a fail progress line for the hook" hook:gate \
    "$(jq -r 'select(.type=="progress" and .state=="fail") | .step' "$TMP/d.out")"
check_eq "undo ran for clone and reserve, last first" "clone reserve" "$(undos_of "$TMP/d")"
check_not "publish never ran" grep -q '"step":"publish"' "$TMP/d.out"
gone "$TMP/d" "$d"

echo "-- policy fail: the error carries the first line of the hook's stderr"
with_hooks "$TMP/fail2.conf" '{ name = "gate"; argv = [ "/bin/sh", "-c", "echo enrolment refused >&2; echo more >&2; exit 3" ]; policy = "fail"; templates = [ "busybox" ]; }'
e=$(name_for hk-fail2)
CREATED_NAMES+=("$e")
agent_with "$TMP/fail2.conf" "$(req_create alice "$e")" "$TMP/e"
check_eq "error code hook_failed" hook_failed "$(result_field "$TMP/e" .error.code)"
check_eq "the message" "an after-create hook failed: gate exited with 3: enrolment refused" \
    "$(result_field "$TMP/e" .error.message)"
gone "$TMP/e" "$e"

echo "-- a hook past its 2 s timeout is stopped waiting for and reported as timed out"
with_hooks "$TMP/slow.conf" '{ name = "slow"; argv = [ "/bin/sleep", "30" ]; timeout = "2s"; policy = "fail"; templates = [ "busybox" ]; }'
f=$(name_for hk-slow)
CREATED_NAMES+=("$f")
start=$(date +%s)
agent_with "$TMP/slow.conf" "$(req_create alice "$f")" "$TMP/f"
took=$(($(date +%s) - start))
check_eq "error code hook_failed" hook_failed "$(result_field "$TMP/f" .error.code)"
check_eq "failed at hook:slow" hook:slow "$(result_field "$TMP/f" .error.step)"
check "the message says it timed out after 2s" \
    grep -q "slow timed out after 2s" <<<"$(result_field "$TMP/f" .error.message)"
ms=$(jq -r 'select(.type=="progress" and .step=="hook:slow" and .state=="fail") | .ms' "$TMP/f.out")
check "the hook's step took about 2 s (${ms} ms), not the 30 s it sleeps" test "${ms:-0}" -ge 1900 -a "${ms:-0}" -le 5000
check "the whole create was over well before the sleep (${took}s)" test "$took" -lt 25
gone "$TMP/f" "$f"

echo "-- policy warn: the container stays and the user sees the warning (through the gateway)"
with_hooks "$conf" '{ name = "scan"; argv = [ "/bin/sh", "-c", "echo scanner offline >&2; exit 4" ]; policy = "warn"; templates = [ "busybox" ]; }'
g=$(name_for hk-warn)
CREATED_NAMES+=("$g")
gw_run "$TMP/g" alice -T -- create --hostname "$g"
check_eq "create: exit 0" 0 "$(cat "$TMP/g.rc")" || sed 's/^/    | /' "$TMP/g.err"
check "the summary shows the warning" grep -qx "warning: hook scan exited with 4: scanner offline" "$TMP/g.out"
check "progress shows the hook's step" grep -qE "^  done +hook:scan " "$TMP/g.out"
check_eq "the container stays" 200 "$(lxd_status_code "/1.0/instances/$g")"
check "its name stays reserved" registry_has "$g"
check_eq "the audit record says the hook warned" "warn done" "$(audit_step "$g" hook:scan)"
h=$(name_for hk-warnj)
CREATED_NAMES+=("$h")
gw_run "$TMP/h" alice -T -- create --hostname "$h" --json
check_eq "create --json: exit 0" 0 "$(cat "$TMP/h.rc")"
check_eq "ok" true "$(jq -r .ok "$TMP/h.out")"
check_eq "--json carries the warning" '["hook scan exited with 4: scanner offline"]' \
    "$(jq -c .data.warnings "$TMP/h.out")"
restore

for n in "$a" "$b" "$c" "$g" "$h"; do
    agent_send "$(req_named delete alice "$n")" "$TMP/del-$n"
    check_eq "delete $n" true "$(result_field "$TMP/del-$n" .ok)"
done
