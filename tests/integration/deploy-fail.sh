#!/bin/bash
# Deploys that fail (issue 15), through the agent's protocol as the gateway speaks it:
#  - the agent re-checks what the gateway checked: a host not on deploy.allowed_hosts, a pinned
#    address it may not fetch from (loopback, link-local metadata), no pinned address, no
#    branch, deploy options without a repository: each refused before anything is made.
#  - an install command that fails, a start command that exits at once, an app that never
#    opens its port: each rolls the whole create back (no instance, no reservation, nginx as it
#    was) and the user sees the command's or the unit's last lines as progress lines, and the
#    reason (deploy_failed, exit 6, the step that failed).
#  - a missing branch on the server and a --root that is not in the repository fail the clone
#    step the same way.
source "$(dirname "$0")/../lib.sh"
trap finish EXIT

tmpl=${CTGATE_DEBIAN_TEMPLATE:?the rig exports CTGATE_DEBIAN_TEMPLATE}
repo=${CTGATE_GIT_BASE:?the rig exports CTGATE_GIT_BASE}/demo/node-app.git
addr=${CTGATE_GIT_ADDRESS:?the rig exports CTGATE_GIT_ADDRESS}

# deploy_req USER NAME JQ-FILTER: a Debian create of the demo node app, changed by the filter.
deploy_req() {
    req_create "$1" "$2" | jq -c --arg t "$tmpl" --arg r "$repo" --arg a "$addr" \
        '.template = $t | .repo = $r | .repo_address = $a | .branch = "main" | '"$3"
}
outputs_of() { jq -r 'select(.type=="progress" and .state=="output") | .msg' "$1.out"; }
gone() { # NAME: nothing of the failed create is left
    check_eq "LXD has no such instance" 404 "$(lxd_status_code "/1.0/instances/$1")"
    check_not "the registry holds no reservation" registry_has "$1"
    check "nginx's files are as they were" cmp -s "$TMP/http.before" "$CTGATE_NGINX_DIR/ctgate/http.conf"
}
refused() { # PREFIX CODE MESSAGE-PART NAME
    check_eq "refused: $2" "$2" "$(result_field "$1" .error.code)"
    check "the message says so: $3" grep -qF -- "$3" <<<"$(result_field "$1" .error.message)"
    check_not "nothing was made (no clone step)" grep -q '"step":"clone"' "$1.out"
    check_eq "(no instance)" 404 "$(lxd_status_code "/1.0/instances/$4")"
}
cp "$CTGATE_NGINX_DIR/ctgate/http.conf" "$TMP/http.before"

echo "-- the agent re-checks the repository before anything is made"
n=$(name_for df-host)
agent_send "$(deploy_req alice "$n" '.repo = "https://evil.example.org/x.git"')" "$TMP/host"
refused "$TMP/host" bad_request "the host is not on the list of allowed hosts" "$n"
for bad in 127.0.0.1 169.254.169.254 ::1 0.0.0.0; do
    agent_send "$(deploy_req alice "$n" ".repo_address = \"$bad\"")" "$TMP/addr"
    refused "$TMP/addr" not_allowed "$bad is an address containers may not fetch from" "$n"
done
agent_send "$(deploy_req alice "$n" 'del(.repo_address)')" "$TMP/noaddr"
refused "$TMP/noaddr" bad_request "repo_address" "$n"
agent_send "$(deploy_req alice "$n" 'del(.branch)')" "$TMP/nobranch"
refused "$TMP/nobranch" bad_request "branch" "$n"
agent_send "$(req_create alice "$n" | jq -c '.install = "make"')" "$TMP/norepo"
refused "$TMP/norepo" bad_request "install needs a repository" "$n"
agent_send "$(deploy_req alice "$n" '.services = ["mongodb"]')" "$TMP/svc"
refused "$TMP/svc" invalid_value "does not offer service mongodb" "$n"
agent_send "$(deploy_req alice "$n" '.runtime = "nodejs@4"')" "$TMP/rt"
refused "$TMP/rt" invalid_value "does not offer runtime nodejs@4" "$n"
agent_send "$(deploy_req alice "$n" '.env = ["A=1", "A=2"]')" "$TMP/dup"
refused "$TMP/dup" invalid_value "variable A is given twice" "$n"

echo "-- an install command that fails: rolled back, its last lines shown"
n=$(name_for df-inst)
CREATED_NAMES+=("$n")
agent_send "$(deploy_req alice "$n" '.install = "for i in $(seq 1 30); do echo line $i; done; echo boom >&2; exit 3" | .start = "node server.js"')" "$TMP/inst"
check_eq "deploy_failed" deploy_failed "$(result_field "$TMP/inst" .error.code)"
check_eq "at deploy:install" deploy:install "$(result_field "$TMP/inst" .error.step)"
check_eq "the message" "deploying your repository failed: install exited with 3: boom" \
    "$(result_field "$TMP/inst" .error.message)"
check_eq "exit code 6" 6 "$(cat "$TMP/inst.rc")"
check "its output was streamed line by line" grep -qx "line 30" <(outputs_of "$TMP/inst")
check_eq "(all 31 lines, in order)" "line 1" "$(outputs_of "$TMP/inst" | grep -A31 -x "line 1" | head -1)"
check_not "the start step never ran" grep -q '"step":"deploy:start"' "$TMP/inst.out"
check_eq "undo ran for clone and reserve" "clone reserve" \
    "$(jq -r 'select(.type=="progress" and .state=="undo") | .step' "$TMP/inst.out" | tr '\n' ' ' | sed 's/ $//')"
gone "$n"

echo "-- a start command that exits at once: rolled back with the unit's last lines"
n=$(name_for df-exit)
CREATED_NAMES+=("$n")
agent_send "$(deploy_req alice "$n" '.start = "echo starting up; echo cannot find config >&2; exit 1"')" "$TMP/exit"
check_eq "deploy_failed at deploy:start" "deploy_failed deploy:start" \
    "$(result_field "$TMP/exit" '.error.code + " " + .error.step')"
check "the message says it stopped" grep -q "the app stopped right after it started" <<<"$(result_field "$TMP/exit" .error.message)"
check "the journal's lines were shown" grep -qx "cannot find config" <(outputs_of "$TMP/exit")
gone "$n"

echo "-- an app that never opens its port: rolled back after deploy.ready_timeout"
n=$(name_for df-port)
CREATED_NAMES+=("$n")
agent_send "$(deploy_req alice "$n" '.http_port = 3999 | .start = "echo waiting forever; exec sleep 600"')" "$TMP/port"
check_eq "deploy_failed at deploy:start" "deploy_failed deploy:start" \
    "$(result_field "$TMP/port" '.error.code + " " + .error.step')"
check "the message names the port" grep -q "did not answer on port 3999 within" <<<"$(result_field "$TMP/port" .error.message)"
check "the app's own output was shown" grep -qx "waiting forever" <(outputs_of "$TMP/port")
gone "$n"

echo "-- a branch the server does not have, a --root not in the repository"
n=$(name_for df-branch)
CREATED_NAMES+=("$n")
agent_send "$(deploy_req alice "$n" '.branch = "no-such-branch"')" "$TMP/branch"
check_eq "deploy_failed at deploy:clone" "deploy_failed deploy:clone" \
    "$(result_field "$TMP/branch" '.error.code + " " + .error.step')"
check "git's words were shown" grep -q "no-such-branch" <(outputs_of "$TMP/branch")
gone "$n"
n=$(name_for df-root)
CREATED_NAMES+=("$n")
agent_send "$(deploy_req alice "$n" '.root = "no/such/dir"')" "$TMP/root"
check_eq "refused at deploy:clone" "deploy_failed deploy:clone" \
    "$(result_field "$TMP/root" '.error.code + " " + .error.step')"
check "the message names the directory" grep -q "no directory no/such/dir" <<<"$(result_field "$TMP/root" .error.message)"
gone "$n"
