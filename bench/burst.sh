#!/bin/bash
# bench/burst.sh [N [COMMAND]] - N users connect to the gateway at the same
# moment (a class told "now create your container"): how many get in, how many
# sshd turns away (MaxStartups), and how long the last one waited.  COMMAND is
# what each runs (default `version`: the SSH handshake and the gateway's start,
# no LDAP; `whoami` adds the directory).  Needs the rig.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
n=${1:-150}
cmd=${2:-version}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "sshd: $(grep -E '^(MaxStartups|MaxSessions|LoginGraceTime)' "$CTGATE_RIG_DIR/sshd/sshd_config" | tr '\n' ' ')"
t0=$(now_ms)
for i in $(seq "$n"); do
    ( s=$(now_ms)
      ssh_as alice "$CTGATE_GATEWAY_USER" "$cmd" >/dev/null 2>"$out/$i.err"
      echo "$? $(( $(now_ms) - s ))" >"$out/$i.rc" ) &
done
wait
total=$(( $(now_ms) - t0 ))
ok=$(cat "$out"/*.rc | awk '$1 == 0' | wc -l)
refused=$(grep -lE 'closed by remote host|Connection reset|kex_exchange_identification' "$out"/*.err 2>/dev/null | wc -l)
slowest=$(cat "$out"/*.rc | awk '{print $2}' | sort -n | tail -1)
med=$(cat "$out"/*.rc | awk '$1 == 0 {print $2}' | median)
echo "burst of $n '$cmd': $ok in, $((n - ok)) not ($refused turned away by sshd before authentication);" \
     "median $med ms, slowest $slowest ms, all done in $total ms"
