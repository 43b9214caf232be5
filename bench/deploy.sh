#!/bin/bash
# bench/deploy.sh [PAIRS] - a deploy through the gateway: from `ssh create-container@… create
# --repo …` of the demo node app (clone, build, start as ctgate-app.service) to the app
# answering at its URL through nginx, against a plain create of the same Debian template
# (no repository) to its first HTTP-less readiness (the create's own answer); alternating,
# PAIRS pairs (default 5).  Prints where a deploy's time goes (each step of the last run).
# Needs the rig with its Debian template and git server (tests/rig.sh up).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=${1:-5}
[ "$pairs" -ge 3 ] || { echo "need at least 3 pairs" >&2; exit 2; }
tmpl=$CTGATE_DEBIAN_TEMPLATE
out=$(mktemp)
trap 'rm -f "$out"' EXIT

deploy() {
    local i
    ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --template "$tmpl" --http-port 3000 \
        --repo "$CTGATE_GIT_BASE/demo/node-app.git" --build "'node build.js'" \
        --start "'node server.js'" > "$out"
    for i in $(seq 200); do
        curl -sf --max-time 2 -H "Host: $1.$CTGATE_DOMAIN" "http://127.0.0.1:$CTGATE_HTTP_PORT/" |
            grep -q '^app=node' && return 0
        sleep 0.05
    done
    echo "$1 does not answer" >&2; return 1
}
plain() { ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --template "$tmpl" >/dev/null; }
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }

plain "bdp$run-warm" && gw_delete "bdp$run-warm"   # the image unpacked into the pool once, untimed
echo "== deploy: create --repo to the app answering at its URL vs a plain create of $tmpl"
compare_creates "$pairs" "bdp$run" deploy deploy gw_delete plain plain gw_delete
echo "median: create --repo to an answering app ${MEDIAN_A} ms; plain create ${MEDIAN_B} ms"
echo "ratio deploy/plain: $(ratio "$MEDIAN_A" "$MEDIAN_B"); the deploy itself: $((${MEDIAN_A%.*} - ${MEDIAN_B%.*})) ms"
echo "where the last deploy's time went (the gateway's progress, seconds):"
grep -E '^  done ' "$out" | sed 's/^  done /  /'
