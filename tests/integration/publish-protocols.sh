#!/bin/bash
# Extra protocols: `--protocol NAME` (repeatable) or CT_PROTOCOLS=a,b asks for
# one external port per protocol of the catalogue; nginx forwards it, over TCP
# or UDP, to the protocol's port inside (the test image echoes on 7/tcp and
# 7/udp).  Unknown names are refused and create nothing; delete frees the ports.
source "$(dirname "$0")/../lib.sh"

stream=$CTGATE_NGINX_DIR/ctgate/stream.conf
tcp_echo() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; printf 'hello-tcp\n' >&3; head -1 <&3" 2>/dev/null; }
udp_echo() { timeout 5 bash -c "exec 3<>/dev/udp/127.0.0.1/$1; printf 'hello-udp' >&3; dd bs=512 count=1 <&3 2>/dev/null" 2>/dev/null; }
eventually() { local i; for ((i = 0; i < 30; i++)); do "$@" && return 0; sleep 0.1; done; return 1; }
tcp_ok() { [ "$(tcp_echo "$1")" = hello-tcp ]; }
udp_ok() { [ "$(udp_echo "$1")" = hello-udp ]; }

a=$(name_for proto)
CREATED_NAMES+=("$a")
gw_run "$TMP/a" alice -T -- create --hostname "$a" --protocol echo --protocol echo-udp --json
check_eq "create with two protocols: exit 0" 0 "$(cat "$TMP/a.rc")"
check_eq "two protocols in the answer" 2 "$(jq '.data.protocols | length' "$TMP/a.out")"
tcp_port=$(jq -r '.data.protocols[] | select(.name=="echo") | .external_port' "$TMP/a.out")
udp_port=$(jq -r '.data.protocols[] | select(.name=="echo-udp") | .external_port' "$TMP/a.out")
read -r lo hi <<<"$CTGATE_PROTOCOL_PORTS"
check "external ports from the protocol range" test "$tcp_port" -ge "$lo" -a "$udp_port" -le "$hi"
check_ne "one port each" "$tcp_port" "$udp_port"
check_eq "transports" "tcp udp" "$(jq -r '[.data.protocols[] | .transport] | sort | join(" ")' "$TMP/a.out")"
check "TCP: 127.0.0.1:$tcp_port reaches the container's port 7" eventually tcp_ok "$tcp_port"
check "UDP: 127.0.0.1:$udp_port reaches the container's port 7/udp" eventually udp_ok "$udp_port"
check "nginx listens with udp for it" grep -q "listen 127.0.0.1:$udp_port udp;" "$stream"
gw_run "$TMP/ai" alice -T -- info "$a"
check "info shows the tcp protocol" grep -qE "^  echo +127.0.0.1:$tcp_port -> port 7/tcp$" "$TMP/ai.out"
check "info shows the udp protocol" grep -qE "^  echo-udp +127.0.0.1:$udp_port -> port 7/udp$" "$TMP/ai.out"

b=$(name_for proto-env)
CREATED_NAMES+=("$b")
CT_PROTOCOLS=echo gw_run "$TMP/b" alice -T -o SendEnv=CT_* -- create --hostname "$b"
check_eq "CT_PROTOCOLS=echo: exit 0" 0 "$(cat "$TMP/b.rc")"
check "the summary names the protocol and its port" grep -qE "^  echo +127.0.0.1:[0-9]+ -> port 7/tcp$" "$TMP/b.out"

gw_run "$TMP/u" alice -T -- create --hostname "$(name_for proto-unknown)" --protocol gopher
check_eq "an unknown protocol: exit 2" 2 "$(cat "$TMP/u.rc")"
check "says which" grep -q "unknown protocol gopher" "$TMP/u.err"
check_eq "nothing created" 0 "$(lxd_instance_count "$(name_for proto-unknown)")"
gw_run "$TMP/v" alice -T -- create --hostname "$(name_for proto-bad)" --protocol "'a b'"
check_eq "a malformed name: exit 2 at the gateway" 2 "$(cat "$TMP/v.rc")"
gw_run "$TMP/w" alice -T -- create --hostname "$(name_for proto-twice)" --protocol echo --protocol echo
check_eq "the same protocol twice: exit 2" 2 "$(cat "$TMP/w.rc")"
check "says so" grep -q "named twice" "$TMP/w.err"

gw_run "$TMP/d" alice -T -- delete "$a" --yes
check_eq "delete: exit 0" 0 "$(cat "$TMP/d.rc")"
check_not "its protocol ports are gone from nginx" grep -qE "listen 127.0.0.1:($tcp_port|$udp_port)( udp)?;" "$stream"
tcp_gone() { [ -z "$(tcp_echo "$1")" ]; }
check "TCP $tcp_port answers no more" eventually tcp_gone "$tcp_port"
