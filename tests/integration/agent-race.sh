#!/bin/bash
# Two creates of one hostname at the same moment: exactly one wins, the
# other gets hostname_taken, and LXD holds exactly one instance.
source "$(dirname "$0")/../lib.sh"

for round in 1 2 3; do
    name=$(name_for "race$round")
    echo "round $round: alice and bob both create $name"
    CREATED_NAMES+=("$name")
    agent_send "$(req_create alice "$name")" "$TMP/a$round" &
    agent_send "$(req_create bob "$name")" "$TMP/b$round" &
    wait
    codes=$( (result_field "$TMP/a$round" '.error.code // "ok"'; result_field "$TMP/b$round" '.error.code // "ok"') | sort | tr '\n' ' ')
    check_eq "one ok, one hostname_taken" "hostname_taken ok " "$codes"
    check_eq "LXD holds exactly one such instance" 1 "$(lxd_instance_count "$name")"
    winner=$(lxd_get "/1.0/instances/$name" | jq -r '.metadata.config["user.ctgate.owner"]')
    if [ "$(result_field "$TMP/a$round" .ok)" = true ]; then expected=alice; else expected=bob; fi
    check_eq "the instance belongs to the winner" "$expected" "$winner"
    check "the registry holds the name" registry_has "$name"
    agent_send "$(req_named delete "$winner" "$name")" "$TMP/d$round"
    check_eq "cleanup delete ok" true "$(result_field "$TMP/d$round" .ok)"
done
