#!/bin/bash
# ctgate-agent reconcile: finds what changed behind ctgate's back (a container
# deleted directly in LXD, a reservation lost, an edited nginx file), reports
# it with exit 5, and with --fix releases what is gone and regenerates nginx,
# never touching containers.  Run as the agent's account, as cron would.
source "$(dirname "$0")/../lib.sh"

reconcile() { runuser -u "$CTGATE_AGENT_USER" -- "$CTGATE_RIG_DIR/bin/ctgate-agent" --config "$CTGATE_AGENT_CONF" reconcile "$@"; }
stream=$CTGATE_NGINX_DIR/ctgate/stream.conf
banner() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; head -1 <&3" 2>/dev/null | tr -d '\r'; }

reconcile >"$TMP/r0.out" 2>&1
check_eq "a consistent rig: exit 0" 0 "$?"

echo "-- a container deleted behind ctgate's back"
a=$(name_for ra)
CREATED_NAMES+=("$a")
gw_run "$TMP/a" alice -T -- create --hostname "$a" --json
port=$(jq -r .data.ssh_port "$TMP/a.out")
remove_behind_back "$a"
reconcile >"$TMP/r1.out" 2>&1
check_eq "reported: exit 5" 5 "$?"
check "names the reservation without container" grep -q "reservation $a has no container (published" "$TMP/r1.out"
check "the reservation is still there (report only)" registry_has "$a"
reconcile --fix >"$TMP/r2.out" 2>&1
check_eq "--fix: exit 0" 0 "$?"
check "says released" grep -q "reservation $a has no container.*: released" "$TMP/r2.out"
check_not "registry: released" registry_has "$a"
check_not "nginx no longer forwards port $port" grep -q "^# $a\$" "$stream"
reconcile >"$TMP/r3.out" 2>&1
check_eq "afterwards consistent: exit 0" 0 "$?"
check "0 differences" grep -q "reconcile: 0 differences found" "$TMP/r3.out"
# by its owner: for anybody else the freed name cools down (reuse_cooldown, tenant-leaks.sh)
gw_run "$TMP/a3" alice -T -- create --hostname "$a"
check_eq "the name can be created again" 0 "$(cat "$TMP/a3.rc")"

echo "-- a reservation lost behind ctgate's back"
b=$(name_for rb)
CREATED_NAMES+=("$b")
gw_run "$TMP/b" alice -T -- create --hostname "$b"
instance_of "$b" >/dev/null # remembered: the registry entry goes next
jq --arg h "$b" 'del(.hostnames[$h])' "$CTGATE_AGENT_STATE/registry.json" > "$TMP/reg" &&
    cat "$TMP/reg" > "$CTGATE_AGENT_STATE/registry.json"
reconcile --fix >"$TMP/r4.out" 2>&1
check_eq "reported and left: exit 5" 5 "$?"
check "names the container without reservation" grep -q "container $(instance_of "$b") (owner alice) has no reservation" "$TMP/r4.out"
check_eq "the container was not touched" Running "$(lxd_get "/1.0/instances/$b" | jq -r .metadata.status)"
check_not "and nginx no longer routes it (the registry is the source)" grep -q "^# $b\$" "$stream"
remove_behind_back "$b"

echo "-- an nginx file edited by hand"
echo "# edited by hand" >> "$stream"
reconcile >"$TMP/r5.out" 2>&1
check_eq "reported: exit 5" 5 "$?"
check "says the files differ" grep -q "nginx files differ from the registry" "$TMP/r5.out"
reconcile --fix >"$TMP/r6.out" 2>&1
check_eq "--fix: exit 0" 0 "$?"
check_not "the edit is gone" grep -q "edited by hand" "$stream"
reconcile >"$TMP/r7.out" 2>&1
check_eq "consistent again" 0 "$?"
