#!/bin/bash
# bench/debian.sh [PAIRS] - a Debian container through the gateway, from
# `ssh create-container@… create --template debian` to the user's first working
# login (ssh through nginx's published port with her key, `true`), against the
# same image straight through LXD's API (create with the same limits, start,
# wait for IPv4); alternating, PAIRS pairs (default 5).  Needs the rig with its
# Debian template (tests/rig.sh up builds it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
pairs=${1:-5}
[ "$pairs" -ge 5 ] || { echo "need at least 5 pairs" >&2; exit 2; }
tmpl=$CTGATE_DEBIAN_TEMPLATE
kh=$(mktemp)
trap 'rm -f "$kh"' EXIT
# The template's default size (medium) on both sides.
export RAW_IMAGE=$CTGATE_DEBIAN_IMAGE_ALIAS RAW_CPU=2 RAW_MEMORY=256MiB RAW_DISK=2GiB

gw_login() { gw_debian_login "$1" "$tmpl"; }
gw_delete() { ssh_as alice "$CTGATE_GATEWAY_USER" delete "$1" --yes >/dev/null; }

# The first container of an image unpacks it into the pool: do it once, untimed.
raw_create "bdw$run-warm" && raw_delete "bdw$run-warm"
echo "== Debian: gateway create to a working login vs raw LXD API create+start+IPv4"
compare_creates "$pairs" "bdw$run" gateway gw_login gw_delete raw raw_create raw_delete
echo "median: gateway create + first login ${MEDIAN_A} ms; raw LXD API ${MEDIAN_B} ms"
echo "ratio gateway/raw: $(ratio "$MEDIAN_A" "$MEDIAN_B")"
