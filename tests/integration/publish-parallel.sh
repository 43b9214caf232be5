#!/bin/bash
# 32 creates at once through the gateway: every one succeeds, no two share a
# name or an SSH port, nginx's configuration stays valid, each container is
# reachable on its own port; then 32 deletes at once leave nothing published.
source "$(dirname "$0")/../lib.sh"

N=${PARALLEL_CREATES:-32}
nginx_valid() { runuser -u "$CTGATE_AGENT_USER" -- /usr/sbin/nginx -t -q -p "$CTGATE_NGINX_DIR/" -c "$CTGATE_NGINX_DIR/nginx.conf" 2>/dev/null; }
banner() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; head -1 <&3" 2>/dev/null | tr -d '\r'; }

pids=()
for i in $(seq "$N"); do
    n=$(name_for "par$i")
    CREATED_NAMES+=("$n")
    gw_run "$TMP/c$i" alice -T -- create --hostname "$n" --json &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

ok=0
for i in $(seq "$N"); do
    [ "$(cat "$TMP/c$i.rc")" = 0 ] && ok=$((ok + 1)) || sed 's/^/       /' "$TMP/c$i.err" | head -3
done
check_eq "all $N creates succeeded" "$N" "$ok"
check_eq "$N distinct names in LXD" "$N" "$(lxd_instance_count "$(name_for par)")"
ports=$(for i in $(seq "$N"); do jq -r '.data.ssh_port // empty' "$TMP/c$i.out"; done)
check_eq "$N SSH ports" "$N" "$(grep -c . <<<"$ports")"
check_eq "no two share a port" "$N" "$(sort -u <<<"$ports" | grep -c .)"
check_eq "the registry holds $N ports for them" "$N" \
    "$(jq --arg p "$(name_for par)" '[.hostnames | to_entries[] | select(.key | startswith($p)) | .value.ssh_port] | unique | length' "$CTGATE_AGENT_STATE/registry.json")"
check "nginx accepts the configuration" nginx_valid
check_eq "stream.conf forwards all $N ports" "$N" "$(grep -c "^# $(name_for par)" "$CTGATE_NGINX_DIR/ctgate/stream.conf")"
wrong=0
for i in $(seq "$N"); do
    p=$(jq -r .data.ssh_port "$TMP/c$i.out")
    [ "$(banner "$p")" = "SSH-2.0-ctgrig_$(name_for "par$i")" ] || wrong=$((wrong + 1))
done
check_eq "each port reaches its own container" 0 "$wrong"

pids=()
for i in $(seq "$N"); do
    gw_run "$TMP/d$i" alice -T -- delete "$(name_for "par$i")" --yes &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
ok=0
for i in $(seq "$N"); do [ "$(cat "$TMP/d$i.rc")" = 0 ] && ok=$((ok + 1)); done
check_eq "all $N deletes succeeded" "$N" "$ok"
check_eq "LXD: none left" 0 "$(lxd_instance_count "$(name_for par)")"
check_eq "stream.conf forwards none of them" 0 "$(grep -c "^# $(name_for par)" "$CTGATE_NGINX_DIR/ctgate/stream.conf")"
check_eq "http.conf routes none of them" 0 "$(grep -c "server_name $(name_for par)" "$CTGATE_NGINX_DIR/ctgate/http.conf")"
check "nginx accepts the configuration" nginx_valid
