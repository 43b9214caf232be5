#!/bin/bash
# The gateway account as an attack surface: the words after the host are
# split without a shell and refused when they hold shell syntax, control
# characters, unbalanced quotes or too much text; -T/-t/-tt and no stdin all
# behave; forwarding, sftp and scp get nothing.
source "$(dirname "$0")/../lib.sh"

marker=/tmp/ctgate-pwned-$RUN_ID
rm -f "$marker"

echo "-- help and version come from the command table"
gw_run "$TMP/h1" alice -T -- help
check_eq "help: exit 0" 0 "$(cat "$TMP/h1.rc")"
for c in create list info delete whoami help version; do
    check "help lists $c" grep -qE "^  $c( |$)" "$TMP/h1.out"
done
gw_run "$TMP/h2" alice -T -- help create
check "help create lists --hostname with its variable" grep -qE -- '--hostname NAME .*\[env CT_HOSTNAME\]' "$TMP/h2.out"
check "and --password-stdin" grep -q -- '--password-stdin' "$TMP/h2.out"
gw_run "$TMP/h3" alice -T -- create --help
check_eq "create --help == help create" "$(cat "$TMP/h2.out")" "$(cat "$TMP/h3.out")"
gw_run "$TMP/h4" alice -T -- help nosuch
check_eq "help for an unknown command: exit 2" 2 "$(cat "$TMP/h4.rc")"
gw_run "$TMP/v1" alice -T -- version --json
check_eq "version --json: one document" "$(jq -r .data.version "$TMP/v1.out")" "$(cut -d' ' -f2 <<<"$(gw alice -T -- version </dev/null)")"

echo "-- words the gateway refuses, and never runs"
bad_words=(
    "version; touch $marker"
    "version | touch $marker"
    "version && touch $marker"
    "\$(touch $marker)"
    "\`touch $marker\`"
    "info 'web1"
    "info \"web1"
    "version > $marker"
    "nosuchcommand"
    "info web1 extra"
    "delete"
    "list --bogus"
    "list -x"
)
i=0
for w in "${bad_words[@]}"; do
    i=$((i + 1))
    gw_run "$TMP/bad$i" alice -T -- "$w"
    check_eq "'$w': exit 2" 2 "$(cat "$TMP/bad$i.rc")"
    check "'$w': says why" test -s "$TMP/bad$i.err"
done
check "shell syntax is named" grep -q "shell syntax" "$TMP/bad1.err"
check "an unbalanced quote is named" grep -q "unbalanced quote" "$TMP/bad6.err"
gw_run "$TMP/nl" alice -T -- $'version\ntouch '"$marker"
check_eq "a newline in the command: exit 2" 2 "$(cat "$TMP/nl.rc")"
check "says control character" grep -q "control character" "$TMP/nl.err"
gw_run "$TMP/cr" alice -T -- $'version\rtouch '"$marker"
check_eq "a carriage return: exit 2" 2 "$(cat "$TMP/cr.rc")"
gw_run "$TMP/big" alice -T -- "info $(head -c 102400 /dev/zero | tr '\0' a)"
check_eq "100 KiB of text: exit 2" 2 "$(cat "$TMP/big.rc")"
check "says too long" grep -q "longer than" "$TMP/big.err"
check_eq "the error stays one short line" 1 "$(wc -l <"$TMP/big.err")"
gw_run "$TMP/q1" alice -T -- "info 'web1; touch $marker'"
check_eq "quoted shell syntax is only text: not a name, exit 2" 2 "$(cat "$TMP/q1.rc")"
check "nothing ever ran" test ! -e "$marker"
CT_HOSTNAME='() { :;}; touch '"$marker" gw_run "$TMP/sh1" alice -T -o SendEnv=CT_* -- create
check_eq "a '() {' value is just text: not a hostname, exit 2" 2 "$(cat "$TMP/sh1.rc")"
check "nothing ever ran (env)" test ! -e "$marker"

echo "-- -T, -t, -tt and no stdin"
out=$(gw alice -T -- version </dev/null 2>&1); check_eq "-T" "ctgate" "${out%% *}"
out=$(gw alice -t -- version </dev/null 2>/dev/null); check_eq "-t without a local terminal" "ctgate" "${out%% *}"
out=$(gw alice -tt -- version </dev/null 2>/dev/null | tr -d '\r'); check_eq "-tt (a pty)" "ctgate" "${out%% *}"
gw alice -tt -- whoami --json </dev/null >"$TMP/tt.out" 2>/dev/null
check_eq "whoami on a pty: the same answer" alice "$(tr -d '\r' <"$TMP/tt.out" | jq -r .data.uid)"
gw_run "$TMP/tt2" alice -tt -- "info $(name_for none)"
gw_run "$TMP/tt3" alice -T -- "info $(name_for none)"
check_eq "pty or not: the same decision" "$(cat "$TMP/tt3.rc")" "$(cat "$TMP/tt2.rc")"

echo "-- forwarding, sftp, scp get nothing"
port=$((30000 + RANDOM % 20000))
gw alice -N -L "127.0.0.1:$port:127.0.0.1:$CTGATE_SSH_PORT" -- </dev/null >/dev/null 2>"$TMP/L.err" &
lpid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
banner=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; head -c 8 <&3" 2>/dev/null)
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
check_ne "-L: nothing comes through the tunnel" "SSH-2.0-" "$banner"
check "-L: sshd refused the channel" grep -q "prohibited" "$TMP/L.err"
dport=$((port + 2))
gw alice -N -D "127.0.0.1:$dport" -- </dev/null >/dev/null 2>"$TMP/D.err" &
dpid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$dport") 2>/dev/null && break; sleep 0.1; done
socks=$(curl -s --max-time 5 --socks5 "127.0.0.1:$dport" "telnet://127.0.0.1:$CTGATE_SSH_PORT" </dev/null 2>&1 | head -c 8)
kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
check_ne "-D: nothing comes through the SOCKS tunnel" "SSH-2.0-" "$socks"
check "-D: sshd refused the channel" grep -q "prohibited" "$TMP/D.err"
gw alice -N -o ExitOnForwardFailure=yes -R "127.0.0.1:$((port + 1)):127.0.0.1:22" -- </dev/null >/dev/null 2>"$TMP/R.err"
check_ne "-R: refused" 0 "$?"
timeout 10 ssh -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" \
    -W "127.0.0.1:$CTGATE_SSH_PORT" "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" </dev/null >"$TMP/W.out" 2>"$TMP/W.err"
check_ne "-W: refused" 0 "$?"
check_not "-W: no banner came back" grep -q "SSH-2.0" "$TMP/W.out"
timeout 20 sftp -b - -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -P "$CTGATE_SSH_PORT" \
    "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST" <<<"ls /" >"$TMP/sftp.out" 2>"$TMP/sftp.err"
check_ne "sftp: fails" 0 "$?"
check_not "sftp: lists nothing" grep -q "etc" "$TMP/sftp.out"
echo data > "$TMP/payload"
timeout 20 scp -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
    -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -P "$CTGATE_SSH_PORT" \
    "$TMP/payload" "$CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST:/tmp/ctgate-scp-$RUN_ID" >/dev/null 2>&1
check_ne "scp: fails" 0 "$?"
check "scp: nothing written" test ! -e "/tmp/ctgate-scp-$RUN_ID"
