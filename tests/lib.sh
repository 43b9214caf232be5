# tests/lib.sh - helpers for the integration tests (sourced, bash).
#
# Every test drives the product as the gateway would: through the real ssh
# client and the real sshd of the rig.  What happened is checked by asking
# LXD's own REST API, never by trusting the agent's words.

set -uo pipefail
eval "$("$(dirname "${BASH_SOURCE[0]}")/rig.sh" env)"

TEST_NAME=$(basename "$0" .sh)
RUN_ID=${RUN_ID:-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')}
TMP=$(mktemp -d "/tmp/ctgate-test.XXXXXX")
FAILS=0
CHECKS=0
CREATED_NAMES=()

# A hostname unique to this run: it-<run>-<suffix>
name_for() { printf 'it%s-%s' "$RUN_ID" "$1"; }

pass() { CHECKS=$((CHECKS + 1)); printf '  ok   %s\n' "$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); printf '  FAIL %s\n' "$*"; return 1; }

check() { # description command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

check_not() { # description command... (passes when the command fails)
    local what=$1; shift
    if "$@"; then fail "$what"; else pass "$what"; fi
}

check_eq() { # description expected actual
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

check_ne() { # description unexpected actual
    if [ "$2" != "$3" ]; then pass "$1"; else fail "$1 (got '$3')"; fi
}

# Sanitizer reports from the agent arrive on ssh's stderr: any of them fails the test.
check_no_sanitizer_report() { # file
    if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"; then
        fail "sanitizer report from the agent:"; sed 's/^/       /' "$1" | head -40
    fi
}

# agent_send JSON_TEXT OUT_PREFIX: run the agent through sshd with the gateway's key.
# Leaves OUT_PREFIX.out (JSON lines), OUT_PREFIX.err and OUT_PREFIX.rc.
agent_send() {
    local text=$1 out=$2
    printf '%s\n' "$text" | ssh -T -i "$CTGATE_GATEWAY_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes -F /dev/null \
        -p "$CTGATE_SSH_PORT" "$CTGATE_AGENT_USER@$CTGATE_SSH_HOST" >"$out.out" 2>"$out.err"
    echo $? >"$out.rc"
    check_no_sanitizer_report "$out.err"
}

# gw USER [ssh options ...] -- [command words ...]
# ssh to the gateway account with the rig user's key, as that person would.
# Leaves stdout on stdout and stderr on stderr; the exit status is ctgate's.
gw() {
    local user=$1 key opts=()
    shift
    key=$(eval echo "\$CTGATE_KEY_$user")
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    ssh -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -p "$CTGATE_SSH_PORT" "${opts[@]}" "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" "$@"
}

# gw_run PREFIX USER [ssh options] -- words: gw with stdin from /dev/null unless
# PREFIX.in exists; leaves PREFIX.out, PREFIX.err, PREFIX.rc; checks for sanitizer reports.
gw_run() {
    local out=$1 input=/dev/null
    shift
    [ -f "$out.in" ] && input=$out.in
    gw "$@" <"$input" >"$out.out" 2>"$out.err"
    echo $? >"$out.rc"
    check_no_sanitizer_report "$out.err"
}

# eventually command...: true once the command succeeds, trying for about 10 s (a service
# inside a new container starting); tests that want less define their own.
eventually() { local i; for ((i = 0; i < 50; i++)); do "$@" && return 0; sleep 0.2; done; return 1; }

jq_true() { jq -e "$@" >/dev/null 2>&1; } # jq arguments: succeeds when the filter is true

password_of() { eval echo "\$CTGATE_PASSWORD_$1"; }

# caller_json USER: the identity block the gateway would send for a rig user.
caller_json() {
    local uid=$1 n groups
    case $uid in
    alice) n=10001; groups='["ctgate-users"]' ;;
    bob) n=10002; groups='["ctgate-users"]' ;;
    carol) n=10003; groups='[]' ;;
    dave) n=10004; groups='["ctgate-users","ctgate-admins"]' ;;
    erin) n=10005; groups='["ctgate-users"]' ;;
    *) n=10999; groups='[]' ;;
    esac
    printf '{"uid":"%s","uid_number":%d,"groups":%s,"client":"127.0.0.1","key_fingerprint":"SHA256:test"}' "$uid" "$n" "$groups"
}

# req_create USER HOSTNAME [REQUEST_ID]
req_create() {
    local key rid=${3:-}
    key=$(cat "$(eval echo "\$CTGATE_KEY_$1").pub")
    jq -cn --argjson caller "$(caller_json "$1")" --arg h "$2" --arg k "$key" --arg t "$CTGATE_TEMPLATE" \
        --arg rid "$rid" '{v:1,op:"create",caller:$caller,hostname:$h,template:$t,pubkey:$k}
            + (if $rid == "" then {} else {request_id:$rid} end)'
}

req_named() { # OP USER HOSTNAME
    jq -cn --arg op "$1" --argjson caller "$(caller_json "$2")" --arg h "$3" '{v:1,op:$op,caller:$caller,hostname:$h}'
}

req_list() { jq -cn --argjson caller "$(caller_json "$1")" '{v:1,op:"list",caller:$caller}'; }

# The result line of an agent answer, and fields of it.
result_of() { grep '"type":"result"' "$1.out" | tail -n 1; }
result_field() { result_of "$1" | jq -r "$2"; }

# create USER HOSTNAME PREFIX: create and remember the name for cleanup (and its instance).
create() {
    CREATED_NAMES+=("$2")
    agent_send "$(req_create "$1" "$2" "${4:-}")" "$3"
    instance_of "$2" >/dev/null
}

# The steps of a create on this lane: with the pool lane's warm pool (CTGATE_POOL=1) a create
# claims a started container; otherwise it makes one.  MADE_STEP is the step that did.
if [ "${CTGATE_POOL:-0}" = 1 ]; then
    CREATE_STEPS="reserve claim account keys password network identity publish"
    MADE_STEP=claim
else
    CREATE_STEPS="reserve clone start account keys password network identity publish"
    MADE_STEP=clone
fi
# Before a create whose steps a test checks: the pool is full (a no-op off the pool lane); the
# pooled containers then are in $TMP/pooled, for pool_check_undone.
pool_ready() {
    [ "${CTGATE_POOL:-0}" = 1 ] || return 0
    agent_cmd pool fill >/dev/null 2>&1
    jq -r '.hostnames | to_entries[] | select(.value.pool != null and .value.pending == null) | .key' \
        "$CTGATE_AGENT_STATE/registry.json" >"$TMP/pooled"
}
# After a create that failed on the pool lane: the container it claimed (one of pool_ready's) is
# gone from LXD, and no other of them is anybody's.
pool_check_undone() { # LABEL
    [ "${CTGATE_POOL:-0}" = 1 ] || return 0
    local p gone=0 owner
    while read -r p; do
        if [ "$(lxd_status_code "/1.0/instances/$p")" = 404 ]; then
            gone=$((gone + 1))
        else
            owner=$(lxd_get "/1.0/instances/$p" | jq -r '.metadata.config["user.ctgate.owner"] // ""')
            check_eq "$1: pooled $p is still nobody's" "" "$owner"
        fi
    done <"$TMP/pooled"
    check_eq "$1: the claimed container is gone from LXD" 1 "$gone"
}

# The backend's name for the container of a hostname: one claimed from a warm pool keeps its
# pooled instance's name (the registry entry's "instance"); any other is its hostname.  What
# the registry said is remembered, so a check after the entry is gone still looks at the
# container that was there.
instance_of() { # HOSTNAME
    local i=""
    [ -f "$CTGATE_AGENT_STATE/registry.json" ] &&
        i=$(jq -r --arg h "$1" '.hostnames[$h] | if . == null then "" else (.instance // $h) end' \
            "$CTGATE_AGENT_STATE/registry.json")
    if [ -n "$i" ]; then # an entry: its own instance, or the hostname itself
        printf '%s %s\n' "$1" "$i" >>"$TMP/instances"
    elif [ -f "$TMP/instances" ]; then
        i=$(awk -v h="$1" '$1 == h { i = $2 } END { print i }' "$TMP/instances")
    fi
    printf '%s' "${i:-$1}"
}
# An LXD API URL: a container named by hostname gets its instance's name, and the lane's LXD
# project (the pool lane has its own) is asked for.
lxd_url() { # PATH
    local p=$1
    if [[ $p =~ ^/1\.0/instances/([a-z0-9-]+)(.*)$ ]]; then
        p="/1.0/instances/$(instance_of "${BASH_REMATCH[1]}")${BASH_REMATCH[2]}"
    fi
    if [ -n "${CTGATE_LXD_PROJECT:-}" ]; then
        [[ $p == *\?* ]] && p="$p&project=$CTGATE_LXD_PROJECT" || p="$p?project=$CTGATE_LXD_PROJECT"
    fi
    printf 'http://lxd%s' "$p"
}
# The lxc client on the rig's LXD, in the lane's project.
lxc_ct() { LXD_DIR=$CTGATE_LXD_DIR lxc ${CTGATE_LXD_PROJECT:+--project "$CTGATE_LXD_PROJECT"} "$@"; }

# LXD's own view, over its unix socket (containers named by hostname: lxd_url).
lxd_get() { # PATH -> body on stdout
    curl -s --max-time 30 --unix-socket "$CTGATE_LXD_SOCKET" "$(lxd_url "$1")"
}
lxd_status_code() { # PATH -> HTTP status of LXD's answer
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 --unix-socket "$CTGATE_LXD_SOCKET" "$(lxd_url "$1")"
}
lxd_file() { # NAME PATH -> file content
    curl -s --max-time 30 --unix-socket "$CTGATE_LXD_SOCKET" "$(lxd_url "/1.0/instances/$1/files?path=$2")"
}
lxd_instance_count() { # PREFIX -> number of instances whose name starts with it (or are its)
    lxd_get "/1.0/instances" | jq --arg p "/1.0/instances/$1" --arg i "/1.0/instances/$(instance_of "$1")" \
        '[.metadata[] | sub("[?].*$"; "") | select(startswith($p) or . == $i)] | length'
}
lxd_config() { # NAME KEY -> the instance's config value ("null" when unset)
    if [ "${CTGATE_BACKEND:-lxd}" = proxmox ] && [[ $2 == user.ctgate.* ]]; then
        pve_meta "$1" "${2#user.ctgate.}" # ctgate's metadata is in the CT's description there
        return
    fi
    lxd_get "/1.0/instances/$1" | jq -r --arg k "$2" '.metadata.config[$k]'
}
# On the proxmox backend (the rig's pve-sim): KEY of the ctgate-metadata block in the description
# of the CT whose hostname is NAME ("null" when unset), as the driver wrote it (pve-meta.h).
pve_meta() { # NAME KEY
    jq -r --arg h "$1" --arg k "$2" '
        [.cts[] | select(.hostname == $h and .template == 0)][0].config.description // ""
        | split("\n") | map(select(startswith($k + "="))) | .[0] // null
        | if . == null then null else sub("^[^=]*="; "") end' "$CTGATE_PVE_STATE/state.json"
}
# The CTID of NAME on the proxmox backend ("null" when none).
pve_ctid() { jq -r --arg h "$1" '[.cts[] | select(.hostname == $h and .template == 0)][0].vmid // null' "$CTGATE_PVE_STATE/state.json"; }
lxd_state() { lxd_get "/1.0/instances/$1" | jq -r .metadata.status; } # NAME -> Running, Stopped, …
# The agent's own commands (reconcile, reap, check-config) as its account runs them from cron.
agent_cmd() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$CTGATE_AGENT_CONF" "$@"; }
registry_has() { # HOSTNAME
    [ -f "$CTGATE_AGENT_STATE/registry.json" ] &&
        jq -e --arg h "$1" '.hostnames | has($h)' "$CTGATE_AGENT_STATE/registry.json" >/dev/null
}

# On the proxmox backend: remove the CT named NAME through the Proxmox double's API (its LXD
# instance goes with it), as an admin would in Proxmox's UI.
pve_destroy() { # NAME
    local vmid node
    read -r vmid node < <(jq -r --arg h "$1" \
        '[.cts[] | select(.hostname == $h and .template == 0)][0] | "\(.vmid) \(.node)"' \
        "$CTGATE_PVE_STATE/state.json")
    [ "$vmid" != null ] || return 0
    curl -s --max-time 60 --cacert "$CTGATE_LDAP_CA" -X DELETE \
        -H "Authorization: PVEAPIToken=$(cat "$CTGATE_PVE_STATE/tokens")" \
        "$CTGATE_PVE_URL/api2/json/nodes/$node/lxc/$vmid?force=1&purge=1" >/dev/null
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$(pve_ctid "$1")" = null ] && return 0
        sleep 0.2
    done
}

# A container removed behind ctgate's back, as an admin would in the backend's own tools.
remove_behind_back() { # NAME
    if [ "${CTGATE_BACKEND:-lxd}" = proxmox ]; then
        pve_destroy "$1"
    else
        lxc_ct delete --force "$(instance_of "$1")" >/dev/null
    fi
}

# Set (or with "" remove) KEY of ctgate's metadata behind ctgate's back: LXD's user.ctgate.KEY,
# or on Proxmox the line in the CT's description block (through the double's API).
set_meta() { # NAME KEY VALUE
    if [ "${CTGATE_BACKEND:-lxd}" != proxmox ]; then
        if [ -n "$3" ]; then
            lxc_ct config set "$(instance_of "$1")" "user.ctgate.$2" "$3"
        else
            lxc_ct config unset "$(instance_of "$1")" "user.ctgate.$2"
        fi
        return
    fi
    local vmid node desc
    read -r vmid node < <(jq -r --arg h "$1" \
        '[.cts[] | select(.hostname == $h and .template == 0)][0] | "\(.vmid) \(.node)"' \
        "$CTGATE_PVE_STATE/state.json")
    desc=$(jq -r --arg h "$1" '[.cts[] | select(.hostname == $h and .template == 0)][0].config.description' \
        "$CTGATE_PVE_STATE/state.json" |
        awk -v k="$2" -v v="$3" 'index($0, k "=") == 1 { next }
            $0 == "ctgate-metadata-end" && v != "" { print k "=" v } { print }')
    curl -sf --max-time 30 --cacert "$CTGATE_LDAP_CA" -X PUT \
        -H "Authorization: PVEAPIToken=$(cat "$CTGATE_PVE_STATE/tokens")" \
        --data-urlencode "description=$desc" "$CTGATE_PVE_URL/api2/json/nodes/$node/lxc/$vmid/config" >/dev/null
}

# Remove, through LXD directly, every instance this test created, then report.
finish() {
    local n cleaned=0
    for n in "${CREATED_NAMES[@]}"; do
        if [ "${CTGATE_BACKEND:-lxd}" = proxmox ]; then
            pve_destroy "$n" || true
        fi
        local inst
        inst=$(instance_of "$n")
        if [ "$(lxd_status_code "/1.0/instances/$inst")" = 200 ]; then
            lxc_ct delete --force "$inst" >/dev/null 2>&1 || true
        fi
        if registry_has "$n"; then
            jq --arg h "$n" 'del(.hostnames[$h])' "$CTGATE_AGENT_STATE/registry.json" > "$TMP/reg" &&
                cat "$TMP/reg" > "$CTGATE_AGENT_STATE/registry.json"
            cleaned=1
        fi
    done
    # Leftovers were removed behind ctgate's back: bring nginx's files back in line.
    if [ "$cleaned" = 1 ]; then
        runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" \
            --config "$CTGATE_AGENT_CONF" reconcile --fix >/dev/null 2>&1 || true
    fi
    rm -f "$CTGATE_AGENT_STATE/fault-inject"
    rm -rf "$TMP"
    if [ "$FAILS" -gt 0 ]; then
        printf '%s: %d of %d checks FAILED\n' "$TEST_NAME" "$FAILS" "$CHECKS"
        exit 1
    fi
    if [ "$CHECKS" -eq 0 ]; then
        printf '%s: no checks ran\n' "$TEST_NAME"
        exit 1
    fi
    printf '%s: all %d checks passed\n' "$TEST_NAME" "$CHECKS"
    exit 0
}
trap finish EXIT
