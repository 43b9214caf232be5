#!/bin/bash
# Runs every case of tests/bad-input.cases through the real ssh client against the
# rig's gateway (and, for `sshd: loose`, the same gateway behind an sshd that
# wrongly accepts every variable).  The file's header documents the fields.
source "$(dirname "$0")/../lib.sh"

CASES=${CASES_FILE:-$(dirname "$0")/../bad-input.cases}
MARKER=/tmp/ctgate-badinput-$RUN_ID
BIG=$(head -c 102400 /dev/zero | tr '\0' a)
trap 'rm -f "$MARKER"; finish' EXIT

BRIDGE=$(lxd_get "/1.0/networks/$CTGATE_LXD_BRIDGE" | jq -r '.metadata.config["ipv4.address"]')
BRIDGE=${BRIDGE%/*}
CT=""
declare -A containers=() # template -> alice's container for the container-controlled cases

expand() { # value -> stdout, with %b escapes and the $MARKER/$BIG/$CT/$BRIDGE words
    local v=${1//\$MARKER/$MARKER}
    v=${v//\$BIG/$BIG}
    v=${v//\$CT/$CT}
    v=${v//\$BRIDGE/$BRIDGE}
    printf '%b' "$v"
}

# container: TEMPLATE - alice's container of that template (made at its first case, kept for
# the next ones, deleted at the end) becomes $CT; inside: lines run in it as root, the way its
# owner could (they are root there), before the case's ssh command.
prepare_container() { # template inside-lines...
    local tmpl=$1 line
    shift
    if [ -z "${containers[$tmpl]:-}" ]; then
        containers[$tmpl]=$(name_for "bi-$tmpl")
        CREATED_NAMES+=("${containers[$tmpl]}")
        gw_run "$TMP/ct-$tmpl" alice -T -- create --hostname "${containers[$tmpl]}" --template "$tmpl"
        check_eq "container for the $tmpl cases: created" 0 "$(cat "$TMP/ct-$tmpl.rc")"
    fi
    CT=${containers[$tmpl]}
    for line in "$@"; do
        LXD_DIR=$CTGATE_LXD_DIR lxc exec "$CT" -- sh -c "$(expand "$line")" </dev/null ||
            fail "$CT: the case's inside: line failed: $line"
    done
}

run_case() {
    local name=$1 words=$2 tty=$3 user=$4 sshd=$5 stdin=$6 envmany=$7 exit_want=$8 \
        output_re=$9 json_filter=${10} sshopt=${11} absent_re=${12} unrouted=${13}
    shift 13
    local envs=("$@") port=$CTGATE_SSH_PORT key opts=() sendenv=() envset=() e n v
    [ "$sshd" = loose ] && port=$CTGATE_LOOSE_SSH_PORT
    key=$(eval echo "\$CTGATE_KEY_$user")
    [ "$tty" = yes ] && opts+=(-tt) || opts+=(-T)
    # shellcheck disable=SC2206
    [ -n "$sshopt" ] && opts+=($sshopt)
    for e in "${envs[@]}"; do
        n=${e%%=*}; v=$(expand "${e#*=}")
        envset+=("$n=$v"); sendenv+=(-o "SendEnv=$n")
    done
    if [ -n "$envmany" ]; then
        for ((i = 1; i <= envmany; i++)); do envset+=("CT_V$i=x"); done
        sendenv+=(-o "SendEnv=CT_V*")
    fi
    local base=$TMP/case-$CHECKS fifo holder=""
    fifo=$base.fifo
    mkfifo "$fifo"
    case $stdin in
    '$ENDLESS') tr '\0' x </dev/zero >"$fifo" 2>/dev/null & holder=$! ;;
    '$SILENT') sleep 40 >"$fifo" & holder=$! ;;
    '') : >"$fifo" & holder=$! ;;
    *) expand "$stdin" >"$fifo" & holder=$! ;;
    esac
    env "${envset[@]}" timeout 60 ssh -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -o StrictHostKeyChecking=yes "${sendenv[@]}" \
        "${opts[@]}" -p "$port" "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" "$(expand "$words")" \
        <"$fifo" >"$base.out" 2>"$base.err"
    local rc=$?
    [ -n "$holder" ] && { kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; }
    rm -f "$fifo"
    check_no_sanitizer_report "$base.err"
    check_eq "$name: exit $exit_want" "$exit_want" "$rc"
    if [ -n "$output_re" ]; then
        check "$name: output matches /$output_re/" grep -qE -- "${output_re//\$CT/$CT}" <(tr -d '\r' <"$base.out"; cat "$base.err")
    fi
    if [ -n "$absent_re" ]; then
        # A count, so that grep failing (exit 2: a bad pattern, no PCRE) fails the check too.
        check_eq "$name: output never matches /$absent_re/" 0 \
            "$(cat "$base.out" "$base.err" | env LC_ALL=C grep -caP -- "$absent_re"; [ "${PIPESTATUS[1]}" -le 1 ] || echo grep-failed)"
    fi
    if [ -n "$unrouted" ]; then
        unrouted=$(expand "$unrouted")
        check_eq "$name: nginx never routes to $unrouted" 0 "$(cat "$CTGATE_NGINX_DIR"/ctgate/*.conf |
            grep -c "proxy_pass \(http://\)\?$unrouted:")"
    fi
    if [ -n "$json_filter" ]; then
        check "$name: json $json_filter" jq_true "$json_filter" <(tr -d '\r' <"$base.out")
    fi
    check "$name: nothing ran" test ! -e "$MARKER"
}

# Parse the blocks; run each at its blank line (and at the end of the file).
declare -A f=()
envs=()
insides=()
cases=0
flush() {
    [ -n "${f[case]:-}" ] || { f=(); envs=(); insides=(); return 0; }
    [ -n "${f[exit]:-}" ] || { fail "case '${f[case]}' has no exit:"; f=(); envs=(); insides=(); return 0; }
    cases=$((cases + 1))
    echo "-- ${f[case]} [${f[class]:-}]"
    CT=""
    [ -n "${f[container]:-}" ] && prepare_container "${f[container]}" "${insides[@]}"
    run_case "${f[case]}" "${f[words]:-}" "${f[tty]:-no}" "${f[user]:-alice}" "${f[sshd]:-rig}" \
        "${f[stdin]:-}" "${f[envmany]:-}" "${f[exit]}" "${f[output]:-}" "${f[json]:-}" \
        "${f[sshopt]:-}" "${f[absent]:-}" "${f[unrouted]:-}" "${envs[@]}"
    f=(); envs=(); insides=()
}
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
    '#'*) continue ;;
    '') flush; continue ;;
    esac
    key=${line%%:*}
    value=${line#*: }
    case $key in
    env) envs+=("$value") ;;
    inside) insides+=("$value") ;;
    case | class | words | tty | sshopt | user | sshd | exit | output | json | stdin | envmany | \
        container | absent | unrouted) f[$key]=$value ;;
    *) fail "unknown field '$key' in $CASES" ;;
    esac
done <"$CASES"
flush
check "the catalogue has cases" test "$cases" -ge 40
echo "$cases cases"
