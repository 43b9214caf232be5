#!/bin/sh
# tests/pve/run.sh - drive the proxmox backend against the PVE test double.
#
#   tests/pve/run.sh SIM_DIR
#
# SIM_DIR holds pve-sim.py (tests/pve-sim; `make check` passes it).  Builds
# drive.c against `make FAULT_INJECTION=1` objects, starts the sim with --store memory on a
# free loopback port, and checks: create (clone, config, tags, description), start, the
# address from /interfaces, get/list metadata, a stolen nextid, a locked template (retried),
# destroy, a wrong token failing in < 5 s, and all allowed nodes offline (exit 6).
set -eu
SIM=${1:?usage: run.sh SIM_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
make -s -j4 FAULT_INJECTION=1 all >/dev/null
W=$(mktemp -d /tmp/ctgate-pve-drive.XXXXXX)
SIMPID=
trap 'kill $SIMPID 2>/dev/null || true; rm -rf "$W"' EXIT
# The objects of today's sources only (a build directory may hold some of files since moved).
OBJS=$(find build/test/hypervisor-agent build/test/shared -name '*.o' ! -path '*/hypervisor-agent/main.o' |
  while read -r o; do s=${o#build/test/}; [ -f "${s%.o}.c" ] && echo "$o"; done)
# shellcheck disable=SC2086
cc -std=c17 -D_GNU_SOURCE -Ishared -Ihypervisor-agent -Ihypervisor-agent/backend \
  $(for d in hypervisor-agent/*/; do printf ' -I%s' "$d"; done) \
  $(pkg-config --cflags libcurl jansson libconfig) -o "$W/drive" tests/pve/drive.c $OBJS \
  $(pkg-config --libs libssh ldap libcurl jansson libsodium libconfig) -pthread

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$W/sim.key" -out "$W/sim.crt" 2>/dev/null
echo 'root@pam!ctgate=6f1e3c4a-1b2c-4d5e-8f90-0123456789ab' > "$W/tokens"
cp "$W/tokens" "$W/token" && chmod 600 "$W/token"
echo 'root@pam!ctgate=00000000-0000-0000-0000-000000000000' > "$W/bad-token" && chmod 600 "$W/bad-token"
head -c 24 /dev/urandom | base64 > "$W/control"
mkdir "$W/state"
python3 "$SIM/pve-sim.py" --listen 127.0.0.1:0 --cert "$W/sim.crt" --key "$W/sim.key" \
  --tokens "$W/tokens" --control-token-file "$W/control" --state "$W/state" \
  --template 9000:tpl-debian:unused --store memory --default-task-delay 0.2 2>"$W/sim.log" &
SIMPID=$!
for _ in $(seq 50); do [ -s "$W/state/state.json" ] && break; sleep 0.1; done
LISTEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["listen"])' "$W/state/state.json")
ctl() { python3 "$SIM/pve-sim-ctl" --url "https://$LISTEN" --token-file "$W/control" "$@"; }
conf() { # $1 token file, $2 extra settings
  cat > "$W/agent.conf" <<CONF
backend = "proxmox";
proxmox = { url = "https://$LISTEN"; token_file = "$1"; ca_file = "$W/sim.crt";
  subnet = "10.0.0.1/8"; acl_role = "PVEVMUser"; timeout = 20; $2 };
timeouts = { call = 10; operation = 30; };
templates = ({ name = "debian-12"; image = "tpl-debian"; });
CONF
}
ok() { echo "ok - $*"; }
no() { echo "FAIL - $*"; exit 1; }

conf "$W/token" ""
"$W/drive" "$W/agent.conf" create web1 && ok "create, start, address" || no "create"
"$W/drive" "$W/agent.conf" get web1 | grep -q 'state=Running owner=alice' && ok "get" || no "get"
"$W/drive" "$W/agent.conf" list | grep -q 'web1 ctid=.*owner=alice template=debian-12 request=req-drive-0001 cpu=2 memory=512MiB description=a test CT' \
  && ok "list round-trips the metadata" || no "list"
ctl state > "$W/s.json" 2>/dev/null || curl -s --cacert "$W/sim.crt" -H "Authorization: Bearer $(cat "$W/control")" "https://$LISTEN/_sim/state" > "$W/s.json"
grep -q '"tags": "alice;ctgate;debian-12"' "$W/s.json" && ok "tags" || no "tags: $(grep -o '"tags": "[^"]*"' "$W/s.json")"
grep -q '"ugid": "alice@ldap"' "$W/s.json" && ok "ACL" || no "ACL"
"$W/drive" "$W/agent.conf" create web1 2>&1 | grep -q 'hostname_taken\|named web1' && ok "a taken name" || no "taken name"

ctl steal-next-clone --node pve1 --kind lxc >/dev/null 2>&1 || \
  curl -s --cacert "$W/sim.crt" -H "Authorization: Bearer $(cat "$W/control")" -d '{"op":"steal-next-clone","node":"pve1","kind":"lxc"}' "https://$LISTEN/_sim/ctl" >/dev/null
"$W/drive" "$W/agent.conf" create web2 >/dev/null && ok "a stolen nextid is retried" || no "stolen id"

# Lock every node's template copy for 2 s: the clone waits and retries.
for v in 9000 9001 9002; do
  curl -s --cacert "$W/sim.crt" -H "Authorization: Bearer $(cat "$W/control")" -d "{\"op\":\"lock\",\"vmid\":$v,\"lock\":\"disk\"}" "https://$LISTEN/_sim/ctl" >/dev/null
done
( sleep 2; for v in 9000 9001 9002; do curl -s --cacert "$W/sim.crt" -H "Authorization: Bearer $(cat "$W/control")" -d "{\"op\":\"unlock\",\"vmid\":$v}" "https://$LISTEN/_sim/ctl" >/dev/null; done ) &
start=$(date +%s)
"$W/drive" "$W/agent.conf" create web3 >/dev/null && [ $(( $(date +%s) - start )) -ge 2 ] \
  && ok "a locked template is waited for" || no "locked"

# pct: a stand-in that runs the command here (the memory store has no containers), directly
# and through a stand-in ssh that hands its words to a shell as ssh does.
cat > "$W/pct" <<'PCT'
#!/bin/sh
[ "$1" = exec ] || { echo "pct: only exec here" >&2; exit 2; }
shift 2; [ "$1" = -- ] && shift
exec "$@"
PCT
cat > "$W/ssh" <<'SSH'
#!/bin/sh
while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) shift; break ;; esac; done
exec /bin/sh -c "$*"
SSH
chmod +x "$W/pct" "$W/ssh"
for mode in local ssh; do
  if [ $mode = local ]; then conf "$W/token" "pct = [ \"$W/pct\" ];"
  else conf "$W/token" "pct = [ \"$W/ssh\", \"-oBatchMode=yes\", \"root@{node}\", \"$W/pct\" ];"; fi
  out=$("$W/drive" "$W/agent.conf" exec web1 /bin/sh -c 'read l; echo "$l|$CTGATE_T|$(pwd)" >&2; exit 7')
  [ "$out" = "exit=7 stderr=from-stdin|a b'c \$(x)|/tmp timed_out=0" ] && ok "$mode exec: stdin, env, cwd, status, stderr" || no "$mode exec: $out"
  out=$("$W/drive" "$W/agent.conf" exec web1 /bin/sleep 10 2>&1 || true)
  echo "$out" | grep -q 'timed_out=1' && ok "$mode exec timeout" || no "$mode timeout: $out"
  "$W/drive" "$W/agent.conf" push web1 "$W/pushed it's" "data; \$(rm -rf /)" || no "$mode push"
  [ "$(cat "$W/pushed it's")" = "data; \$(rm -rf /)" ] && [ "$(stat -c %a "$W/pushed it's")" = 640 ] \
    && ok "$mode push_file" || no "$mode push content"
  [ "$("$W/drive" "$W/agent.conf" read web1 "$W/pushed it's")" = "data; \$(rm -rf /)" ] && ok "$mode read_file" || no "$mode read"
  rc=0; "$W/drive" "$W/agent.conf" read web1 "$W/absent" || rc=$?
  [ $rc = 3 ] && ok "$mode read_file: absent is not found" || no "$mode absent: $rc"
  rm -f "$W/pushed it's"
done
conf "$W/token" ""

for n in web1 web2 web3; do
  "$W/drive" "$W/agent.conf" destroy $n >/dev/null || no "destroy $n"
done
ok "destroy (running, then missing = success)"

conf "$W/bad-token" ""
start=$(date +%s)
out=$("$W/drive" "$W/agent.conf" list 2>&1 || true)
took=$(( $(date +%s) - start ))
echo "$out" | grep -q 'Authentication failed!' && [ "$took" -lt 5 ] && echo "$out" | grep -q 'exit 6' \
  && ok "a wrong token fails in ${took}s, exit 6" || no "wrong token: $out ($took s)"
echo "$out" | grep -q 00000000-0000 && no "the secret is in an error"

conf "$W/token" 'nodes = [ "pve1", "pve2" ];'
for n in pve1 pve2; do
  curl -s --cacert "$W/sim.crt" -H "Authorization: Bearer $(cat "$W/control")" -d "{\"op\":\"node-offline\",\"node\":\"$n\"}" "https://$LISTEN/_sim/ctl" >/dev/null
done
out=$("$W/drive" "$W/agent.conf" create web4 2>&1 || true)
echo "$out" | grep -q 'pve1 offline, pve2 offline.*exit 6' && ok "all allowed nodes offline: exit 6 naming them" || no "offline: $out"
echo "all passed"
