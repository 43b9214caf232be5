#!/bin/bash
# tests/rig.sh - the ctgate test rig: real sshd, slapd and LXD on this machine.
#
#   tests/rig.sh up      start what is not running (idempotent), install the built binaries
#   tests/rig.sh env     print `export NAME=value` lines for tests, benchmarks and people
#   tests/rig.sh down    stop exactly the processes `up` started (by recorded pid)
#   tests/rig.sh purge [--keep-cache]
#                        down, then remove everything `up` made: files, accounts,
#                        group, bridge, LXD storage (and the image cache unless kept)
#   tests/rig.sh status  say what is running
#
# Environment: CTGATE_RIG_DIR (default /var/lib/ctgate-rig), CTGATE_BIN_DIR (the
# directory holding the built ctgate and ctgate-agent, default build/test),
# CTGATE_BACKEND (for env: "lxd", the default, or "proxmox") and CTGATE_POOL
# (for env: 1 picks the pool lane).
#
# The rig runs three lanes side by side: an agent account with its
# configuration, state and nginx, and a gateway account that talks to it, with
# their own external ports.  The lxd lane is the default; the proxmox lane's
# agent is on its proxmox backend against tests/pve-sim, a Proxmox VE API double
# whose CTs are instances of the rig's LXD; the pool lane's is on LXD, in an LXD
# project of its own, with a warm pool of each template.  sshd, slapd, LXD and
# the git server are shared.  `env` prints the names of the lane CTGATE_BACKEND
# and CTGATE_POOL pick, so the suites of the lanes can run at the same time.
# Needs root: it creates system accounts, starts daemons and an LXD.
# Everything uses unusual ports, names and a private bridge so it never
# meets a service of the machine.  docs/testing.md explains the pieces.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
RIG=${CTGATE_RIG_DIR:-/var/lib/ctgate-rig}
BIN_DIR=${CTGATE_BIN_DIR:-$SRC/build/test}
CACHE=${CTGATE_RIG_CACHE:-/var/cache/ctgate-rig}

SSH_PORT=22722
LOOSE_SSH_PORT=22723   # a deliberately misconfigured sshd (AcceptEnv *) for the bad-input catalogue
LDAP_PORT=38911
NGINX_HTTP_PORT=28080          # nginx's HTTP vhosts (Host: NAME.ctgate.test)
SSH_PORT_RANGE="24000 24199"   # external SSH ports nginx forwards to containers' port 22
PROTOCOL_PORT_RANGE="25000 25199"  # external ports of extra protocols
LDAPS_PORT=63611
LDAP_BASE="dc=ctgate,dc=test"
LDAP_ROOTDN="cn=admin,$LDAP_BASE"
BRIDGE=ctgrig0
BRIDGE_NET=10.213.77
DHCP_RANGE=$BRIDGE_NET.2-$BRIDGE_NET.199   # the rest of the /24 (.200-.254): static addresses
POOL=ctgrig
IMAGE_ALIAS=ctgrig-busybox
DEBIAN_TEMPLATE=debian
DEBIAN_IMAGE_ALIAS=ctgrig-debian
ENROL_PORT=15140   # the enrolment listener on the bridge (a security manager's stand-in)
GIT_HOST=git.ctgate.test   # the rig's git server: nginx + git http-backend on the bridge, https only
GIT_PORT=443               # the one port the gateway's repository rules allow
GATEWAY_USER=create-container
AGENT_USER=ctgrig-agent
# The proxmox lane's own accounts, nginx and external ports (see the top), and the
# pool lane's: LXD again, with a warm pool of each template (agent.conf `pool`).
GATEWAY_USER_PVE=ctgrig-pve-gw
AGENT_USER_PVE=ctgrig-pve-agent
NGINX_HTTP_PORT_PVE=28081
SSH_PORT_RANGE_PVE="24200 24399"
PROTOCOL_PORT_RANGE_PVE="25200 25399"
LXD_PROJECT_POOL=ctgrig-pool
GATEWAY_USER_POOL=ctgrig-pool-gw
AGENT_USER_POOL=ctgrig-pool-agent
NGINX_HTTP_PORT_POOL=28082
SSH_PORT_RANGE_POOL="24400 24599"
PROTOCOL_PORT_RANGE_POOL="25400 25599"
BENCH_USER=ctgrig-true   # ForceCommand /bin/true: the baseline of bench/gateway.sh
KEYS_USER=ctgrig-keys    # AuthorizedKeysCommandUser: runs ctgate-keys for the gateway account
LXD_GROUP=ctgrig-lxd
TEST_USERS="alice bob carol dave erin"

LXD_DIR_RIG=$RIG/lxd
PVE_PORT=28006        # the Proxmox VE API double (CTGATE_BACKEND=proxmox)
PVE_DIR=$RIG/pve
PVE_NODES=pve1,pve2,pve3
BACKEND=${CTGATE_BACKEND:-lxd} # the lane env prints
LANE=$BACKEND
[ "$BACKEND" = lxd ] && [ "${CTGATE_POOL:-}" = 1 ] && LANE=pool
case "$BACKEND" in lxd | proxmox) ;; *) printf 'rig: error: CTGATE_BACKEND must be lxd or proxmox\n' >&2; exit 1 ;; esac

# The names of a lane (lxd, proxmox or pool) into the L_* variables.
lane() {
    if [ "$1" = pool ]; then
        L_AGENT_USER=$AGENT_USER_POOL L_GATEWAY_USER=$GATEWAY_USER_POOL
        L_AGENT_CONF=$RIG/agent-pool.conf L_GATEWAY_CONF=$RIG/gateway-pool.conf
        L_STATE=$RIG/agent-state-pool L_NGINX=$RIG/nginx-pool L_NGINX_PID=nginx-pool
        L_HTTP_PORT=$NGINX_HTTP_PORT_POOL L_THROTTLE=$RIG/gateway-throttle-pool
        L_SSH_PORTS=$SSH_PORT_RANGE_POOL L_PROTO_PORTS=$PROTOCOL_PORT_RANGE_POOL
        L_GATEWAY_KEY=$RIG/keys/gateway_pool_key L_KNOWN_HOSTS=$RIG/keys/agent_known_hosts_pool
    elif [ "$1" = proxmox ]; then
        L_AGENT_USER=$AGENT_USER_PVE L_GATEWAY_USER=$GATEWAY_USER_PVE
        L_AGENT_CONF=$RIG/agent-pve.conf L_GATEWAY_CONF=$RIG/gateway-pve.conf
        L_STATE=$RIG/agent-state-pve L_NGINX=$RIG/nginx-pve L_NGINX_PID=nginx-pve
        L_HTTP_PORT=$NGINX_HTTP_PORT_PVE L_THROTTLE=$RIG/gateway-throttle-pve
        L_SSH_PORTS=$SSH_PORT_RANGE_PVE L_PROTO_PORTS=$PROTOCOL_PORT_RANGE_PVE
        L_GATEWAY_KEY=$RIG/keys/gateway_pve_key L_KNOWN_HOSTS=$RIG/keys/agent_known_hosts_pve
    else
        L_AGENT_USER=$AGENT_USER L_GATEWAY_USER=$GATEWAY_USER
        L_AGENT_CONF=$RIG/agent.conf L_GATEWAY_CONF=$RIG/gateway.conf
        L_STATE=$RIG/agent-state L_NGINX=$RIG/nginx L_NGINX_PID=nginx
        L_HTTP_PORT=$NGINX_HTTP_PORT L_THROTTLE=$RIG/gateway-throttle
        L_SSH_PORTS=$SSH_PORT_RANGE L_PROTO_PORTS=$PROTOCOL_PORT_RANGE
        L_GATEWAY_KEY=$RIG/keys/gateway_key L_KNOWN_HOSTS=$RIG/keys/agent_known_hosts
    fi
}
LANES="lxd proxmox pool"
# The rig's throwaway CA: kept with the image cache, since the Debian image trusts it
# (a new CA would mean a new image); purge without --keep-cache removes both.
TLS_DIR=$CACHE/tls
PIDS=$RIG/pids

log() { printf 'rig: %s\n' "$*" >&2; }
die() { printf 'rig: error: %s\n' "$*" >&2; exit 1; }

# A service that did not come up: say which, and show the end of its own log
# rather than leaving the next command to fail with a symptom.
service_failed() { # service logfile message
    printf 'rig: error: %s: %s\n' "$1" "$3" >&2
    if [ -s "$2" ]; then
        printf 'rig: the last lines of %s:\n' "$2" >&2
        tail -n 25 "$2" | sed 's/^/    /' >&2
    else
        printf 'rig: (%s is empty or missing)\n' "$2" >&2
    fi
    exit 1
}

# A recorded pid counts only while it is alive AND its command line names this
# rig's directory: after a reboot the number may belong to somebody else.
pid_alive() {
    local f=$PIDS/$1.pid pid
    [ -s "$f" ] || return 1
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$RIG/"
}

wait_port() { # host port seconds
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# --- accounts and keys -------------------------------------------------------

setup_accounts() {
    getent group "$LXD_GROUP" >/dev/null || groupadd --system "$LXD_GROUP"
    if ! getent passwd "$GATEWAY_USER" >/dev/null; then
        useradd --system --create-home --home-dir "/home/$GATEWAY_USER" --shell /bin/sh "$GATEWAY_USER"
    fi
    local u
    for u in "$GATEWAY_USER_PVE" "$GATEWAY_USER_POOL"; do
        getent passwd "$u" >/dev/null ||
            useradd --system --create-home --home-dir "/home/$u" --shell /bin/sh "$u"
    done
    for u in "$AGENT_USER" "$AGENT_USER_PVE" "$AGENT_USER_POOL"; do # pve's pct stand-in uses LXD
        getent passwd "$u" >/dev/null ||
            useradd --system --create-home --home-dir "/home/$u" --shell /bin/sh --groups "$LXD_GROUP" "$u"
    done
    if ! getent passwd "$BENCH_USER" >/dev/null; then
        useradd --system --create-home --home-dir "/home/$BENCH_USER" --shell /bin/sh "$BENCH_USER"
    fi
    if ! getent passwd "$KEYS_USER" >/dev/null; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$KEYS_USER"
    fi
    for u in "$GATEWAY_USER" "$AGENT_USER" "$GATEWAY_USER_PVE" "$AGENT_USER_PVE" "$GATEWAY_USER_POOL" \
        "$AGENT_USER_POOL" "$BENCH_USER"; do
        usermod -p '*' "$u"
    done
}

setup_keys() {
    install -d -m 0755 "$RIG" "$RIG/keys" "$PIDS" "$RIG/bin"
    local u
    for u in $TEST_USERS; do
        [ -f "$RIG/keys/$u" ] || ssh-keygen -q -t ed25519 -N '' -C "$u@ctgate-rig" -f "$RIG/keys/$u"
    done
    # Each lane's gateway key for its agent account: readable by that gateway account only.
    local l
    for l in $LANES; do
        lane "$l"
        [ -f "$L_GATEWAY_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C "ctgate-gateway-$l" -f "$L_GATEWAY_KEY"
        chown "$L_GATEWAY_USER" "$L_GATEWAY_KEY"
        chmod 0600 "$L_GATEWAY_KEY"
    done
    (umask 077; touch "$RIG/passwords")
    for u in $TEST_USERS; do # a password for every user, also one added to an older rig
        grep -q "^$u=" "$RIG/passwords" ||
            printf '%s=%s\n' "$u" "$(head -c 12 /dev/urandom | base64 | tr -d '/+=')" >> "$RIG/passwords"
    done
}

password_of() { sed -n "s/^$1=//p" "$RIG/passwords"; }

# --- binaries and agent configuration ----------------------------------------

install_binaries() {
    local b
    for b in ctgate ctgate-keys ctgate-agent ctgrig-enrol; do
        if [ -x "$BIN_DIR/$b" ]; then
            install -m 0755 "$BIN_DIR/$b" "$RIG/bin/$b.new"
            mv -f "$RIG/bin/$b.new" "$RIG/bin/$b"
        elif [ ! -x "$RIG/bin/$b" ]; then
            log "warning: $BIN_DIR/$b is not built yet (run make first); the rig will lack it"
        fi
    done
}

write_agent_conf() {
    local l
    for l in $LANES; do lane "$l"; install -d -m 0700 -o "$L_AGENT_USER" "$L_STATE"; done
    # The extra protocols users may ask for: the test image answers on port 7 (tcp and udp).
    printf '# Generated by tests/rig.sh\necho 7 tcp\necho-udp 7 udp\n' > "$RIG/protocols"
    chmod 0644 "$RIG/protocols"
    install -m 0644 "$SRC/conf/services.conf" "$RIG/services.conf"
    # Each lane's agent.conf, and a copy of the LXD lane's that tests never change
    # (templates are built through it).
    agent_conf_text lxd > "$RIG/agent-lxd.conf.new"
    lane lxd
    agent_conf_text lxd > "$RIG/agent.conf.new"
    lane proxmox
    agent_conf_text proxmox > "$RIG/agent-pve.conf.new"
    lane pool
    agent_conf_text pool > "$RIG/agent-pool.conf.new"
    for f in agent-lxd agent agent-pve agent-pool; do
        chmod 0644 "$RIG/$f.conf.new"
        mv -f "$RIG/$f.conf.new" "$RIG/$f.conf"
    done
    setup_audit_keys lxd pool
}

# The lanes' audit signing keys, as an installer makes them (without one every operation, and
# a template build, is refused); the proxmox lane's once its token exists (setup_pve_sim),
# since its agent.conf names it.
setup_audit_keys() { # LANE...
    local l
    for l in "$@"; do
        lane "$l"
        if [ ! -f "$L_STATE/audit.key" ] && [ -x "$RIG/bin/ctgate-agent" ]; then
            runuser -u "$L_AGENT_USER" -- "$RIG/bin/ctgate-agent" --config "$L_AGENT_CONF" audit keygen >/dev/null ||
                die "cannot make the audit signing key in $L_STATE"
        fi
    done
}

# The backend's section of agent.conf: LXD's, or the proxmox backend's against pve-sim.
backend_conf_text() { # lxd|proxmox|pool (LXD in the pool lane's project)
    if [ "$1" = proxmox ]; then
        cat <<EOF
backend = "proxmox";
proxmox = {
  url = "https://127.0.0.1:$PVE_PORT";
  token_file = "$PVE_DIR/agent-token";
  ca_file = "$TLS_DIR/ca.crt";
  nodes = [ ];
  placement = "least-memory";
  # The stand-in for Proxmox's pct: runs push/exec in the CT's LXD instance.
  pct = [ "$RIG/bin/pct" ];
  # A clone waits this long for its template while other clones of it run (Proxmox locks
  # the source): 16 creates at once under the sanitizers can queue for minutes on one node.
  timeout = 300;
};
EOF
        return
    fi
    cat <<EOF
backend = "lxd";
lxd = {
  socket = "$LXD_DIR_RIG/unix.socket";
  pool = "$POOL";
  profile = "default";$([ "$1" = pool ] && printf '\n  project = "%s";' "$LXD_PROJECT_POOL")
};
EOF
}

agent_conf_text() { # lxd|proxmox|pool (the lane's names: lane)
    lane "$1"
    cat <<EOF
# Generated by tests/rig.sh: the agent configuration of the test rig's $1 lane.
$(backend_conf_text "$1")
$([ "$1" = pool ] && printf 'pool = ( { template = "busybox"; size = 2; }, { template = "%s"; size = 1; } );' "$DEBIAN_TEMPLATE")
timeouts = { call = 30; operation = 120; ipv4 = 30; request_read = 5; };
state_dir = "$L_STATE";
admin_group = "ctgate-admins";
root_password = "random";
reserved_hostnames = [ "www", "admin", "gateway" ];
# A freed name and its ports wait this long before another user may take them (tenant-leaks.sh).
reuse_cooldown = "1h";
sizes = (
  { name = "small";  cpu = 1; memory = "128MiB"; disk = "1GiB"; },
  { name = "medium"; cpu = 2; memory = "256MiB"; disk = "2GiB"; },
  { name = "large";  cpu = 2; memory = "512MiB"; disk = "4GiB"; }
);
templates = (
  { name = "busybox"; image = "$IMAGE_ALIAS"; description = "BusyBox test image";
    shell = "/bin/sh"; size = "small"; sizes = [ "small", "medium" ];
    max = { cpu = 2; memory = "256MiB"; disk = "2GiB"; };
    runtimes = [ "nodejs@20", "python@3.11" ]; },
  # A real Debian users log in to: built by ctgate-agent template build $DEBIAN_TEMPLATE
  # (rig up does it; cached by the hash of its inputs under $CACHE/templates).
  { name = "$DEBIAN_TEMPLATE"; image = "$DEBIAN_IMAGE_ALIAS";
    description = "Debian 12 with systemd and OpenSSH: log in with your key";
    shell = "/bin/bash"; size = "medium"; sizes = [ "small", "medium", "large" ];
    max = { cpu = 2; memory = "512MiB"; disk = "4GiB"; };
    sudo = "nopasswd"; sshd = true;
    # Identity (SPEC step 6): the owner, ctgate-admins and ctgate-team log in from LDAP.
    ldap_client = "sssd"; login_groups = [ "ctgate-team" ];
    # Runtimes and services for deploys (issue 15): the demo apps use only what Debian ships.
    runtimes = [ "nodejs@18", "python@3.11" ]; services = [ "postgresql", "redis" ];
    build = { suite = "bookworm"; ca_certificates = [ "$TLS_DIR/ca.crt" ];
              packages = [ "nodejs", "python3", "python3-psycopg2" ]; }; }
  # Only templates that work: a test that needs a broken one adds it to a copy of this file.
);
# The directory as containers reach it: slapd on the bridge, TLS checked against the rig CA.
directory = {
  uri = "ldaps://$BRIDGE_NET.1:$LDAPS_PORT/";
  base = "ou=people,$LDAP_BASE";
  group_base = "ou=groups,$LDAP_BASE";
  ca_file = "$TLS_DIR/ca.crt";
};
template_cache = "$CACHE/templates";
# What create --service may start (the shipped catalogue): postgresql and redis.
services_file = "$RIG/services.conf";
protocols_file = "$RIG/protocols";
# erin has a small quota (tests/integration/quota.sh); dave's is the same but he is an admin.
quota_overrides = (
  { user = "erin"; containers = 2; memory = "256MiB"; creates_per_hour = 8; snapshots = 2; },
  { user = "dave"; containers = 1; memory = "128MiB"; creates_per_hour = 1; }
);
expiry = { default = "7d"; max = "30d"; grace = "1h"; };
publish = {
  domain = "ctgate.test";
  url_scheme = "http";
  ssh_host = "127.0.0.1";
  listen_address = "127.0.0.1";
  subnet = "$BRIDGE_NET.1/24";   # the bridge's ipv4.address: only leases inside it are published
  http_listen = "127.0.0.1:$L_HTTP_PORT";
  http_port = 80;
  ssh_ports = [ ${L_SSH_PORTS% *}, ${L_SSH_PORTS#* } ];
  protocol_ports = [ ${L_PROTO_PORTS% *}, ${L_PROTO_PORTS#* } ];
  http_file = "$L_NGINX/ctgate/http.conf";
  stream_file = "$L_NGINX/ctgate/stream.conf";
  test = [ "/usr/sbin/nginx", "-t", "-q", "-p", "$L_NGINX/", "-c", "$L_NGINX/nginx.conf" ];
  reload = [ "/usr/sbin/nginx", "-s", "reload", "-p", "$L_NGINX/", "-c", "$L_NGINX/nginx.conf" ];
};
# Deploys (create --repo): clones only from the rig's git server, pinned by the gateway to the
# bridge address; short limits so the failure tests (tests/integration/deploy*.sh) end quickly.
deploy = {
  allowed_hosts = [ "$GIT_HOST" ];
  command_timeout = 120;
  ready_timeout = 20;
};
# A security agent's enrolment, as an admin would add one: the rig's listener
# (ctgrig-enrol on the bridge) records which containers enrolled.  Debian only (it has bash).
hooks = {
  after_create = (
    { name = "enrol";
      argv = [ "/bin/bash", "-c", "echo \"\$CT_NAME \$CT_ID\" > /dev/tcp/$BRIDGE_NET.1/$ENROL_PORT" ];
      timeout = "30s"; policy = "fail"; templates = [ "$DEBIAN_TEMPLATE" ]; }
  );
};
EOF
}

write_gateway_conf() {
    local l
    for l in $LANES; do
        lane "$l"
        gateway_conf_text > "$L_GATEWAY_CONF.new"
        install -d -m 0700 -o "$L_GATEWAY_USER" "$L_THROTTLE"
        chmod 0644 "$L_GATEWAY_CONF.new"
        mv -f "$L_GATEWAY_CONF.new" "$L_GATEWAY_CONF"
    done
}

gateway_conf_text() { # the lane's (lane)
    cat <<EOF
# Generated by tests/rig.sh: the gateway configuration of the test rig.
ldap = {
  uri = "ldap://127.0.0.1:$LDAP_PORT";   # StartTLS, verified against the rig's CA
  base = "ou=people,$LDAP_BASE";
  group_base = "ou=groups,$LDAP_BASE";
  users_group = "ctgate-users";
  ca_file = "$TLS_DIR/ca.crt";
  timeout = 10;
};
agent = {
  host = "127.0.0.1";
  port = $SSH_PORT;
  user = "$L_AGENT_USER";
  key = "$L_GATEWAY_KEY";
  known_hosts = "$L_KNOWN_HOSTS";
  connect_timeout = 10;
  idle_timeout = 120;
};
create = { default_template = "busybox"; };
# ctgate-keys (sshd's AuthorizedKeysCommand): any key gets in and the gateway asks bob's
# password, as with the hand-made file before; tests/integration/keys-admit.sh tries ldap-keys.
keys = { admit = "any-key"; timeout = 5; account = "$L_GATEWAY_USER"; };
prompt_timeout = ${CTGATE_RIG_PROMPT_TIMEOUT:-15};
# create --repo: the rig's git server, pinned to the bridge address (never /etc/hosts).  The
# other three names exist only to be refused (tests/integration/deploy.sh): pinned to loopback,
# the cloud metadata address and an address in denied_ranges.
repo = {
  allowed_hosts = [ "$GIT_HOST", "loop.ctgate.test", "meta.ctgate.test", "lan.ctgate.test" ];
  denied_ranges = [ "192.0.2.0/24" ];
  pin = [ "$GIT_HOST=$BRIDGE_NET.1", "loop.ctgate.test=127.0.0.1",
          "meta.ctgate.test=169.254.169.254", "lan.ctgate.test=192.0.2.10" ];
  ca_file = "$TLS_DIR/ca.crt";
  timeout = 10;
};
# Every test connects from 127.0.0.1 and several try wrong passwords: limits the whole run
# stays under; tests/integration/throttle.sh lowers them while it runs.
throttle = { dir = "$L_THROTTLE"; failures = 10; address_failures = 1000;
             window = "15m"; delay = "1s"; };
EOF
}

# --- nginx (the proxy) ------------------------------------------------------------
# Runs as the agent's account, so the agent can test and reload it (no root needed);
# the agent writes only the two files under ctgate/ that the main config includes.
setup_nginx() {
    local l
    for l in $LANES; do lane "$l"; setup_lane_nginx; done
}

setup_lane_nginx() { # one nginx per lane (lane), run by its agent's account
    local d=$L_NGINX
    install -d -m 0755 -o "$L_AGENT_USER" "$d" "$d/ctgate" "$d/tmp" "$d/logs"
    local f
    for f in http.conf stream.conf; do
        [ -f "$d/ctgate/$f" ] || install -m 0644 -o "$L_AGENT_USER" /dev/null "$d/ctgate/$f"
    done
    cat > "$d/nginx.conf" <<EOF
# Generated by tests/rig.sh: the rig's proxy.  ctgate-agent writes ctgate/*.conf.
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
pid $d/nginx.pid;
error_log $d/logs/error.log;
worker_processes 1;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server { listen 127.0.0.1:$L_HTTP_PORT default_server; return 404; }
    include $d/ctgate/http.conf;
}
stream {
    include $d/ctgate/stream.conf;
}
EOF
    runuser -u "$L_AGENT_USER" -- /usr/sbin/nginx -t -q -p "$d/" -c "$d/nginx.conf" 2>"$d/logs/test.log" ||
        service_failed "$L_NGINX_PID" "$d/logs/test.log" "nginx rejects $d/nginx.conf"
    if pid_alive "$L_NGINX_PID"; then
        runuser -u "$L_AGENT_USER" -- /usr/sbin/nginx -s reload -p "$d/" -c "$d/nginx.conf"
    else
        rm -f "$d/nginx.pid"
        runuser -u "$L_AGENT_USER" -- /usr/sbin/nginx -p "$d/" -c "$d/nginx.conf" ||
            service_failed "$L_NGINX_PID" "$d/logs/error.log" "nginx did not start"
        local i
        for ((i = 0; i < 50; i++)); do [ -s "$d/nginx.pid" ] && break; sleep 0.1; done
        cp "$d/nginx.pid" "$PIDS/$L_NGINX_PID.pid"
    fi
    wait_port 127.0.0.1 "$L_HTTP_PORT" 10 ||
        service_failed "$L_NGINX_PID" "$d/logs/error.log" "nginx does not listen on $L_HTTP_PORT"
}

# --- OpenSSH sshd -------------------------------------------------------------

setup_sshd() {
    local d=$RIG/sshd
    install -d -m 0755 "$d" "$d/authorized_keys"
    [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/ssh_host_ed25519_key"
    # create-container: no file; sshd asks ctgate-keys (keys.admit in gateway.conf), which runs as
    # $KEYS_USER from $RIG/bin (root-owned, as sshd requires). The bench account keeps a file
    # of every test user's key.
    local u
    rm -f "$d/authorized_keys/$GATEWAY_USER"
    : > "$d/authorized_keys/$BENCH_USER.new"
    for u in $TEST_USERS; do cat "$RIG/keys/$u.pub" >> "$d/authorized_keys/$BENCH_USER.new"; done
    mv -f "$d/authorized_keys/$BENCH_USER.new" "$d/authorized_keys/$BENCH_USER"
    rm -f "$d/authorized_keys/$GATEWAY_USER_PVE" "$d/authorized_keys/$GATEWAY_USER_POOL"
    printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" > "$RIG/keys/known_hosts"
    local l
    for l in $LANES; do
        lane "$l"
        # Each lane's agent account: only its gateway's key, only the agent.
        printf 'restrict,command="%s --config %s" %s\n' "$RIG/bin/ctgate-agent" "$L_AGENT_CONF" \
            "$(cat "$L_GATEWAY_KEY.pub")" > "$d/authorized_keys/$L_AGENT_USER"
        # The gateway's own pin of the agent's host key (tests replace it to play a changed key).
        cp "$RIG/keys/known_hosts" "$L_KNOWN_HOSTS"
    done
    chmod 0644 "$d/authorized_keys/"*
    printf '[127.0.0.1]:%s %s\n' "$LOOSE_SSH_PORT" "$(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >> "$RIG/keys/known_hosts"
    chmod 0644 "$RIG/keys/known_hosts"
    cat > "$d/sshd_config" <<EOF
# Generated by tests/rig.sh
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $d/ssh_host_ed25519_key
PidFile $PIDS/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AuthorizedKeysFile $d/authorized_keys/%u
AllowUsers $GATEWAY_USER $AGENT_USER $GATEWAY_USER_PVE $AGENT_USER_PVE $GATEWAY_USER_POOL $AGENT_USER_POOL $BENCH_USER
ExposeAuthInfo yes
AcceptEnv CT_*
PermitUserEnvironment no
StrictModes yes
MaxStartups 200:30:300
LogLevel VERBOSE
# As Debian ships it: the ForceCommand must still win over a subsystem request.
Subsystem sftp /usr/lib/openssh/sftp-server

$(for l in $LANES; do lane "$l"; sshd_gateway_match; done)

Match User $BENCH_USER
    ForceCommand /bin/true
    DisableForwarding yes
    PermitTTY no

Match User $AGENT_USER,$AGENT_USER_PVE,$AGENT_USER_POOL
    DisableForwarding yes
    PermitTTY no
    PermitUserRC no
EOF
    mkdir -p /run/sshd
    /usr/sbin/sshd -t -f "$d/sshd_config" 2>"$d/sshd-test.log" ||
        service_failed sshd "$d/sshd-test.log" "sshd rejects $d/sshd_config"
    if pid_alive sshd; then
        kill -HUP "$(cat "$PIDS/sshd.pid")"  # re-read config and keys
    else
        /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"
    fi
    wait_port 127.0.0.1 "$SSH_PORT" 10 || service_failed sshd "$d/sshd.log" "sshd does not listen on $SSH_PORT"
    setup_sshd_loose
}

# A lane's gateway account (lane): keys asked of ctgate-keys, the gateway its forced command.
sshd_gateway_match() {
    cat <<EOF
Match User $L_GATEWAY_USER
    AuthorizedKeysFile none
    AuthorizedKeysCommand $RIG/bin/ctgate-keys --config $L_GATEWAY_CONF %u %t %k
    AuthorizedKeysCommandUser $KEYS_USER
    ForceCommand $RIG/bin/ctgate --config $L_GATEWAY_CONF
    DisableForwarding yes
    PermitTTY yes
    PermitUserRC no

EOF
}

# The same gateway behind an sshd that wrongly accepts every variable the client
# sends: tests/integration/bad-input.sh shows the gateway itself ignores them.
setup_sshd_loose() {
    local d=$RIG/sshd
    sed -e "s/^Port .*/Port $LOOSE_SSH_PORT/" -e "s|^PidFile .*|PidFile $PIDS/sshd-loose.pid|" \
        -e "s/^AcceptEnv .*/AcceptEnv */" -e "s/^AllowUsers .*/AllowUsers $GATEWAY_USER/" \
        -e "s/^# Generated by tests\/rig.sh/# Generated by tests\/rig.sh: MISCONFIGURED ON PURPOSE (AcceptEnv *)/" \
        "$d/sshd_config" > "$d/sshd_config.loose"
    /usr/sbin/sshd -t -f "$d/sshd_config.loose" || die "sshd rejects $d/sshd_config.loose"
    if pid_alive sshd-loose; then
        kill -HUP "$(cat "$PIDS/sshd-loose.pid")"
    else
        /usr/sbin/sshd -f "$d/sshd_config.loose" -E "$d/sshd-loose.log"
    fi
    wait_port 127.0.0.1 "$LOOSE_SSH_PORT" 10 ||
        service_failed sshd-loose "$d/sshd-loose.log" "the loose sshd does not listen on $LOOSE_SSH_PORT"
}

# --- OpenLDAP slapd -----------------------------------------------------------

# The rig CA is made once and kept with the image cache (the Debian template
# trusts it); the server certificate is re-issued when the names it must carry
# change (containers reach slapd on the bridge address).
setup_tls() {
    local d=$TLS_DIR san="subjectAltName=DNS:localhost,DNS:$GIT_HOST,IP:127.0.0.1,IP:$BRIDGE_NET.1"
    install -d -m 0755 "$d"
    if [ ! -f "$d/ca.crt" ] || [ ! -f "$d/ca.key" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ctgate rig CA" \
            -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
        rm -f "$d/server.crt"
    fi
    if [ ! -f "$d/server.crt" ] || [ "$(cat "$d/san.ext" 2>/dev/null)" != "$san" ]; then
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
        printf '%s\n' "$san" > "$d/san.ext"
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
            -days 3650 -extfile "$d/san.ext" -out "$d/server.crt" 2>/dev/null
    fi
    chmod 0600 "$d/ca.key" "$d/server.key"
}

ldap_admin_pw() {
    [ -f "$RIG/ldap-admin-password" ] || (umask 077; head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$RIG/ldap-admin-password")
    cat "$RIG/ldap-admin-password"
}

setup_slapd() {
    local d=$RIG/slapd
    install -d -m 0700 "$d" "$d/db"
    setup_tls
    local adminpw
    adminpw=$(ldap_admin_pw)
    cat > "$d/slapd.conf" <<EOF
# Generated by tests/rig.sh
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include $HERE/rig/openssh-lpk.schema
pidfile $d/slapd.pid
argsfile $d/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $TLS_DIR/ca.crt
TLSCertificateFile $TLS_DIR/server.crt
TLSCertificateKeyFile $TLS_DIR/server.key
database mdb
maxsize 104857600
directory $d/db
suffix "$LDAP_BASE"
rootdn "$LDAP_ROOTDN"
rootpw $(slappasswd -s "$adminpw")
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
EOF
    # The directory is test data, loaded offline with slapadd while slapd is
    # stopped.  Never replaced over LDAP: slapd 2.5.13 segfaults on
    # `ldapdelete -r` of a base DN that does not exist yet (a fresh machine).
    local want
    want=$(ldif_inputs_hash)
    if [ "$(cat "$d/db/ctgate-users" 2>/dev/null || true)" != "$want" ]; then
        stop_pid slapd
        rm -f "$d/db/"*.mdb "$d/db/ctgate-users"
        write_ldif > "$d/users.ldif"
        slapadd -q -f "$d/slapd.conf" -l "$d/users.ldif" >"$d/slapadd.log" 2>&1 ||
            service_failed slapd "$d/slapadd.log" "loading the test users with slapadd failed"
        echo "$want" > "$d/db/ctgate-users"
    fi
    # Containers reach it over TLS on the bridge (their sssd, identity step).
    local listen="ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/ ldaps://$BRIDGE_NET.1:$LDAPS_PORT/"
    if pid_alive slapd && [ "$(cat "$d/listen" 2>/dev/null)" != "$listen $(sha256sum <"$TLS_DIR/server.crt")" ]; then
        stop_pid slapd
    fi
    if ! pid_alive slapd; then
        # -d keeps slapd in the foreground, its log in slapd.log (shown if it fails).
        setsid slapd -d stats -f "$d/slapd.conf" -h "$listen" </dev/null >"$d/slapd.log" 2>&1 &
        printf '%s %s\n' "$listen" "$(sha256sum <"$TLS_DIR/server.crt")" > "$d/listen"
        echo $! > "$PIDS/slapd.pid"
    fi
    wait_port 127.0.0.1 "$LDAP_PORT" 15 || service_failed slapd "$d/slapd.log" "slapd does not listen on $LDAP_PORT"
    local last=${TEST_USERS##* }
    ldapsearch -x -LLL -H "ldap://127.0.0.1:$LDAP_PORT" -b "$LDAP_BASE" "(uid=$last)" dn 2>/dev/null | grep -q '^dn:' ||
        service_failed slapd "$d/slapd.log" "slapd answers but does not hold the test users"
}

# What the directory's content is made of: a change (a user added, a key
# rotated) reloads it.  Password hashes are salted, so hash the inputs instead.
ldif_inputs_hash() {
    { declare -f write_ldif; echo "$TEST_USERS $LDAP_BASE"; cat "$RIG/passwords" "$RIG/keys/alice.pub"; } |
        sha256sum | cut -c1-64
}

write_ldif() {
    cat <<EOF
dn: $LDAP_BASE
objectClass: dcObject
objectClass: organization
dc: ctgate
o: ctgate test rig

dn: ou=people,$LDAP_BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$LDAP_BASE
objectClass: organizationalUnit
ou: groups

EOF
    local u n=10001
    for u in $TEST_USERS; do
        cat <<EOF
dn: uid=$u,ou=people,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: ldapPublicKey
uid: $u
cn: $u
sn: $u
uidNumber: $n
gidNumber: $n
homeDirectory: /home/$u
loginShell: /bin/sh
userPassword: $(slappasswd -s "$(password_of "$u")")
EOF
        # alice keeps her SSH key in LDAP (key-only login); the others use passwords.
        # Stored as "TYPE BASE64" without the comment, as docs/install.md asks: the gateway
        # finds a key's owner by an equality search on exactly that value.
        [ "$u" = alice ] && printf 'sshPublicKey: %s\n' "$(cut -d' ' -f1,2 "$RIG/keys/alice.pub")"
        echo
        n=$((n + 1))
    done
    cat <<EOF
dn: cn=ctgate-users,ou=groups,$LDAP_BASE
objectClass: posixGroup
cn: ctgate-users
gidNumber: 20001
memberUid: alice
memberUid: bob
memberUid: dave
memberUid: erin

dn: cn=ctgate-admins,ou=groups,$LDAP_BASE
objectClass: posixGroup
cn: ctgate-admins
gidNumber: 20002
memberUid: dave

dn: cn=ctgate-team,ou=groups,$LDAP_BASE
objectClass: posixGroup
cn: ctgate-team
gidNumber: 20003
memberUid: erin
EOF
}

# --- LXD ------------------------------------------------------------------------

lxc_rig() { LXD_DIR=$LXD_DIR_RIG lxc "$@"; }

start_lxd() {
    install -d -m 0711 "$LXD_DIR_RIG"
    if ! pid_alive lxd; then
        LXD_DIR=$LXD_DIR_RIG setsid lxd --group "$LXD_GROUP" --logfile "$RIG/lxd.log" \
            </dev/null >>"$RIG/lxd.out" 2>&1 &
        echo $! > "$PIDS/lxd.pid"
    fi
    LXD_DIR=$LXD_DIR_RIG lxd waitready --timeout 60 ||
        service_failed lxd "$RIG/lxd.log" "LXD did not become ready within 60 s (its stderr: $RIG/lxd.out)"
}

# Mounts an LXD of this rig left behind (its storage pool, shmounts, devlxd):
# after a clean shutdown there are none.
lxd_mounts() { awk -v d="$LXD_DIR_RIG/" 'index($2, d) == 1 { print $2 }' /proc/mounts; }

setup_lxd() {
    sysctl -qw fs.inotify.max_user_instances=1024 || true
    start_lxd
    # Each piece on its own, so a half-made set-up from an interrupted run is completed.
    if ! lxc_rig network show "$BRIDGE" >/dev/null 2>&1; then
        lxc_rig network create "$BRIDGE" ipv4.address="$BRIDGE_NET.1/24" ipv4.nat=false \
            ipv6.address=none >/dev/null || die "cannot create bridge $BRIDGE"
    fi
    # DHCP hands out .2-.199; .200-.254 are for static addresses (publish-parallel.sh,
    # proxmox.sh).  Leases last 10 minutes: dnsmasq keeps a deleted container's lease until
    # it expires and meanwhile hands its address to no other MAC, and the double's static
    # CTs (like Proxmox's clones) get a new MAC each time.
    if [ "$(lxc_rig network get "$BRIDGE" ipv4.dhcp.ranges)" != "$DHCP_RANGE" ]; then
        lxc_rig network set "$BRIDGE" ipv4.dhcp.ranges="$DHCP_RANGE" >/dev/null ||
            die "cannot set the DHCP range of $BRIDGE"
    fi
    if [ "$(lxc_rig network get "$BRIDGE" ipv4.dhcp.expiry)" != 10m ]; then
        lxc_rig network set "$BRIDGE" ipv4.dhcp.expiry=10m >/dev/null ||
            die "cannot set the DHCP lease time of $BRIDGE"
    fi
    if ! lxc_rig storage show "$POOL" >/dev/null 2>&1; then
        # btrfs makes clones near-instant; fall back to dir where btrfs cannot be used.
        lxc_rig storage create "$POOL" btrfs size=20GiB >/dev/null 2>&1 ||
            { log "btrfs pool failed, using the dir driver"; lxc_rig storage create "$POOL" dir >/dev/null; } ||
            die "cannot create storage pool $POOL"
    fi
    local devices
    devices=$(lxc_rig profile device list default)
    grep -qx root <<<"$devices" || lxc_rig profile device add default root disk path=/ pool="$POOL" >/dev/null
    grep -qx eth0 <<<"$devices" || lxc_rig profile device add default eth0 nic name=eth0 network="$BRIDGE" >/dev/null
    # The pool lane's own project, so no other lane's agent sees its containers (and it sees
    # none of theirs); images and profiles are the default project's.
    lxc_rig project show "$LXD_PROJECT_POOL" >/dev/null 2>&1 ||
        lxc_rig project create "$LXD_PROJECT_POOL" -c features.images=false -c features.profiles=false \
            -c features.storage.volumes=false >/dev/null || die "cannot create the LXD project $LXD_PROJECT_POOL"
    local img fp
    img=$("$HERE/rig/build-image.sh" "$CACHE")
    fp=$(sha256sum "$img/meta.tar.gz" "$img/rootfs.tar.gz" | cut -c1-64 | tr -d '\n' | sha256sum | cut -c1-64)
    if [ "$(lxc_rig image get-property "$IMAGE_ALIAS" ctgrig.build 2>/dev/null || true)" != "$fp" ]; then
        lxc_rig image delete "$IMAGE_ALIAS" >/dev/null 2>&1 || true
        lxc_rig image import "$img/meta.tar.gz" "$img/rootfs.tar.gz" --alias "$IMAGE_ALIAS" >/dev/null
        lxc_rig image set-property "$IMAGE_ALIAS" ctgrig.build "$fp"
    fi
}

# --- the enrolment listener -------------------------------------------------------
# A security manager's stand-in for the agent.conf hook "enrol": ctgrig-enrol (built from
# tests/rig/enrol-listener.c by make's test targets) listens on the bridge's host address
# and appends "PEER_IP NAME ID" to $RIG/enrol/enrolments.log for each container that
# enrols.  Runs as the agent's account (setpriv execs it, so the recorded pid is its own).
setup_enrol() {
    local d=$RIG/enrol
    if [ ! -x "$RIG/bin/ctgrig-enrol" ]; then
        log "warning: ctgrig-enrol is not built (make FAULT_INJECTION=1 build/test/ctgrig-enrol): Debian creates will fail their hook"
        return 0
    fi
    install -d -m 0755 -o "$AGENT_USER" "$d"
    if ! pid_alive enrol; then
        setsid setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --clear-groups \
            "$RIG/bin/ctgrig-enrol" "$BRIDGE_NET.1" "$ENROL_PORT" "$d/enrolments.log" \
            </dev/null >"$d/listener.log" 2>&1 &
        echo $! > "$PIDS/enrol.pid"
    fi
    wait_port "$BRIDGE_NET.1" "$ENROL_PORT" 10 ||
        service_failed enrol "$d/listener.log" "the enrolment listener does not listen on $BRIDGE_NET.1:$ENROL_PORT"
}

# --- the git server ---------------------------------------------------------------
# A real git host over HTTPS for deploys (issue 15): nginx (its own instance, root
# master to bind 443 on the bridge, workers as the agent's account) hands
# /REPO/info/refs and /REPO/git-upload-pack to git http-backend through fcgiwrap.
# Repositories are bare ones under $RIG/git/repos (CTGATE_GIT_ROOT): demo/node-app.git
# and demo/python-app.git from tests/rig/apps/, private/secret.git behind basic auth
# (401, as the big hosts answer anonymous clients). The name git.ctgate.test is never
# put in /etc/hosts: the gateway pins it in its config, the agent per clone.
git_publish_app() { # source-dir bare-repo
    local src=$1 bare=$2 want work
    want=$( (cd "$src" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64)
    [ "$(cat "$bare/ctgrig-source" 2>/dev/null || true)" = "$want" ] && return 0
    rm -rf "$bare"
    git init -q --bare -b main "$bare"
    work=$(mktemp -d)
    cp -a "$src/." "$work/"
    git -C "$work" init -q -b main
    git -C "$work" add -A
    GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
        git -C "$work" -c user.name=ctgate-rig -c user.email=rig@ctgate.test commit -q -m "demo app"
    git -C "$work" push -q "$bare" main
    rm -rf "$work"
    echo "$want" > "$bare/ctgrig-source"
}

setup_git() {
    local d=$RIG/git i
    install -d -m 0755 "$d" "$d/repos" "$d/repos/demo" "$d/repos/private" "$d/logs" "$d/tmp"
    install -d -m 0755 -o "$AGENT_USER" "$d/run"
    git_publish_app "$HERE/rig/apps/node-app" "$d/repos/demo/node-app.git"
    git_publish_app "$HERE/rig/apps/python-app" "$d/repos/demo/python-app.git"
    git_publish_app "$HERE/rig/apps/node-app" "$d/repos/private/secret.git"
    # Read by http-backend as the agent's account; tests add repositories as root.
    chmod -R a+rX "$d/repos"
    [ -f "$d/htpasswd" ] ||
        printf 'owner:%s\n' "$(openssl passwd -6 "$(head -c 12 /dev/urandom | base64)")" > "$d/htpasswd"
    chmod 0644 "$d/htpasswd"
    if ! pid_alive fcgiwrap; then
        rm -f "$d/run/fcgiwrap.sock"
        setsid setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --clear-groups \
            /usr/sbin/fcgiwrap -c 4 -s "unix:$d/run/fcgiwrap.sock" </dev/null >"$d/logs/fcgiwrap.log" 2>&1 &
        echo $! > "$PIDS/fcgiwrap.pid"
        for ((i = 0; i < 50; i++)); do [ -S "$d/run/fcgiwrap.sock" ] && break; sleep 0.1; done
        [ -S "$d/run/fcgiwrap.sock" ] || service_failed fcgiwrap "$d/logs/fcgiwrap.log" "fcgiwrap did not start"
    fi
    local backend="include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
            fastcgi_param GIT_PROJECT_ROOT $d/repos;
            fastcgi_param GIT_HTTP_EXPORT_ALL \"\";
            fastcgi_param PATH_INFO \$uri;
            fastcgi_param HOME $d/tmp;
            fastcgi_pass unix:$d/run/fcgiwrap.sock;"
    cat > "$d/nginx.conf" <<EOF
# Generated by tests/rig.sh: the rig's git server (git http-backend over HTTPS).
pid $d/nginx.pid;
error_log $d/logs/error.log;
user $AGENT_USER;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen $BRIDGE_NET.1:$GIT_PORT ssl;
        server_name $GIT_HOST;
        ssl_certificate $TLS_DIR/server.crt;
        ssl_certificate_key $TLS_DIR/server.key;
        location ~ ^/private/ {
            auth_basic "ctgate rig git";
            auth_basic_user_file $d/htpasswd;
            $backend
        }
        location / {
            $backend
        }
    }
}
EOF
    # http-backend runs as the agent's account, the repositories are root's: trust them.
    printf '[safe]\n\tdirectory = *\n' > "$d/tmp/.gitconfig"
    chown "$AGENT_USER" "$d/tmp" "$d/tmp/.gitconfig"
    /usr/sbin/nginx -t -q -p "$d/" -c "$d/nginx.conf" 2>"$d/logs/test.log" ||
        service_failed git-nginx "$d/logs/test.log" "nginx rejects $d/nginx.conf"
    if pid_alive git-nginx && [ "$(cat "$d/cert" 2>/dev/null)" = "$(sha256sum <"$TLS_DIR/server.crt")" ]; then
        /usr/sbin/nginx -s reload -p "$d/" -c "$d/nginx.conf"
    else
        stop_pid git-nginx
        rm -f "$d/nginx.pid"
        /usr/sbin/nginx -p "$d/" -c "$d/nginx.conf" ||
            service_failed git-nginx "$d/logs/error.log" "nginx (git) did not start"
        for ((i = 0; i < 50; i++)); do [ -s "$d/nginx.pid" ] && break; sleep 0.1; done
        cp "$d/nginx.pid" "$PIDS/git-nginx.pid"
        sha256sum <"$TLS_DIR/server.crt" > "$d/cert"
    fi
    wait_port "$BRIDGE_NET.1" "$GIT_PORT" 10 ||
        service_failed git-nginx "$d/logs/error.log" "the git server does not listen on $BRIDGE_NET.1:$GIT_PORT"
}

# --- the Proxmox VE API double (CTGATE_BACKEND=proxmox) ------------------------
# tests/pve-sim/pve-sim.py as a three-node cluster, TLS with the rig CA's server
# certificate, one API token (the agent's copy 0600, its own), each template an
# image alias of the rig's LXD; its CTs are LXD instances named after their
# hostnames, so a test reaches a container as on the LXD backend.  pct is the
# sim's stand-in, wrapped to find the sim's state and the rig's LXD.
setup_pve_sim() {
    stop_pid pve-sim
    install -d -m 0755 "$PVE_DIR"
    if [ ! -s "$PVE_DIR/tokens" ]; then
        (umask 077; printf 'root@pam!ctgate=%s\n' "$(cat /proc/sys/kernel/random/uuid)" > "$PVE_DIR/tokens")
        (umask 077; head -c 24 /dev/urandom | base64 > "$PVE_DIR/control-token")
    fi
    install -m 0600 -o "$AGENT_USER_PVE" "$PVE_DIR/tokens" "$PVE_DIR/agent-token"
    {
        echo '#!/bin/sh'
        echo '# Generated by tests/rig.sh: Proxmox'"'"'s pct, as the rig'"'"'s pve-sim stand-in.'
        echo "export LXD_DIR=$LXD_DIR_RIG PVE_SIM_STATE=$PVE_DIR PATH=/usr/sbin:/usr/bin:/sbin:/bin"
        # Each call's start (here) and its duration and status (pct itself, $PCT_LOG)
        # in pct.log: a test that sees a step time out can show which call hung.
        echo "echo \"\$(date -u +%T) [\$\$] start pct \$1 \$2\" >> $RIG/pct.log"
        echo "PCT_LOG=$RIG/pct.log exec /usr/bin/python3 $SRC/tests/pve-sim/pct \"\$@\""
    } > "$RIG/bin/pct.new"
    install -m 0644 -o "$AGENT_USER_PVE" /dev/null "$RIG/pct.log"
    chmod 0755 "$RIG/bin/pct.new"
    mv -f "$RIG/bin/pct.new" "$RIG/bin/pct"
    setsid /usr/bin/python3 "$SRC/tests/pve-sim/pve-sim.py" --listen "127.0.0.1:$PVE_PORT" \
        --cert "$TLS_DIR/server.crt" --key "$TLS_DIR/server.key" --tokens "$PVE_DIR/tokens" \
        --control-token-file "$PVE_DIR/control-token" --state "$PVE_DIR" --nodes "$PVE_NODES" \
        --template "9000:$IMAGE_ALIAS:$IMAGE_ALIAS" --template "9100:$DEBIAN_IMAGE_ALIAS:$DEBIAN_IMAGE_ALIAS" \
        --store lxd --lxd-socket "$LXD_DIR_RIG/unix.socket" --lxd-profile default --lxd-pool "$POOL" \
        --lxd-name hostname </dev/null >>"$RIG/pve-sim.log" 2>&1 &
    echo $! > "$PIDS/pve-sim.pid"
    wait_port 127.0.0.1 "$PVE_PORT" 15 ||
        service_failed pve-sim "$RIG/pve-sim.log" "the Proxmox API double does not listen on 127.0.0.1:$PVE_PORT"
}

# --- the Debian template -------------------------------------------------------
# Built by the product itself (`ctgate-agent template build`, as root, as an admin
# would), from Debian's mirror the first time; later runs reuse the image or the
# cached tarball when the inputs are unchanged.  Takes minutes from nothing.
setup_debian_template() {
    local out=$RIG/template-build.log
    [ -x "$RIG/bin/ctgate-agent" ] || return 0
    log "template $DEBIAN_TEMPLATE: building or reusing (minutes the first time; log: $out)"
    "$RIG/bin/ctgate-agent" --config "$RIG/agent-lxd.conf" template build "$DEBIAN_TEMPLATE" \
        </dev/null >"$out" 2>&1 || service_failed "template $DEBIAN_TEMPLATE" "$out" "the build failed"
    tail -n 1 "$out" | sed 's/^/rig: /' >&2
}

# --- commands -----------------------------------------------------------------

cmd_up() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    for c in sshd slapd lxd lxc ssh-keygen ldapadd slappasswd openssl busybox nginx runuser mmdebstrap git fcgiwrap; do
        command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || die "missing $c (see .ci/run for the package list)"
    done
    setup_accounts
    setup_keys
    install_binaries
    write_agent_conf
    write_gateway_conf
    setup_lxd # first: slapd listens on the bridge's address too
    setup_slapd
    setup_enrol
    setup_git
    setup_debian_template
    setup_pve_sim
    setup_audit_keys proxmox
    setup_nginx
    setup_sshd
    rm -f "$RIG/backend" # an older rig's choice of one lane
    log "up: sshd 127.0.0.1:$SSH_PORT, slapd :$LDAP_PORT/:$LDAPS_PORT, LXD $LXD_DIR_RIG (bridge $BRIDGE), pve-sim https://127.0.0.1:$PVE_PORT; lanes: lxd ($GATEWAY_USER, nginx :$NGINX_HTTP_PORT), proxmox ($GATEWAY_USER_PVE, :$NGINX_HTTP_PORT_PVE), pool ($GATEWAY_USER_POOL, :$NGINX_HTTP_PORT_POOL)"
}

cmd_env() {
    local u
    lane "$LANE"
    cat <<EOF
export CTGATE_RIG_DIR=$RIG
export CTGATE_BACKEND=$BACKEND
export CTGATE_POOL=$([ "$LANE" = pool ] && echo 1 || echo 0)
export CTGATE_LXD_PROJECT=$([ "$LANE" = pool ] && echo "$LXD_PROJECT_POOL")
export CTGATE_PVE_URL=https://127.0.0.1:$PVE_PORT
export CTGATE_PVE_STATE=$PVE_DIR
export CTGATE_PVE_CONTROL_TOKEN=$PVE_DIR/control-token
export CTGATE_PVE_SIM=$SRC/tests/pve-sim
export CTGATE_SSH_HOST=127.0.0.1
export CTGATE_SSH_PORT=$SSH_PORT
export CTGATE_LOOSE_SSH_PORT=$LOOSE_SSH_PORT
export CTGATE_KNOWN_HOSTS=$RIG/keys/known_hosts
export CTGATE_AGENT_KNOWN_HOSTS=$L_KNOWN_HOSTS
export CTGATE_GATEWAY_USER=$L_GATEWAY_USER
export CTGATE_AGENT_USER=$L_AGENT_USER
export CTGATE_BENCH_USER=$BENCH_USER
export CTGATE_KEYS_USER=$KEYS_USER
export CTGATE_GATEWAY_KEY=$L_GATEWAY_KEY
export CTGATE_AGENT_CONF=$L_AGENT_CONF
export CTGATE_GATEWAY_CONF=$L_GATEWAY_CONF
export CTGATE_AGENT_STATE=$L_STATE
export CTGATE_NGINX_DIR=$L_NGINX
export CTGATE_HTTP_PORT=$L_HTTP_PORT
export CTGATE_SSH_PORTS="$L_SSH_PORTS"
export CTGATE_PROTOCOL_PORTS="$L_PROTO_PORTS"
export CTGATE_DOMAIN=ctgate.test
export CTGATE_LXD_DIR=$LXD_DIR_RIG
export CTGATE_LXD_SOCKET=$LXD_DIR_RIG/unix.socket
export CTGATE_LXD_BRIDGE=$BRIDGE
export CTGATE_STATIC_ADDRESSES="$BRIDGE_NET.200 $BRIDGE_NET.250"
export CTGATE_PVE_STATIC_ADDRESSES="$BRIDGE_NET.251 $BRIDGE_NET.254"
export CTGATE_DHCP_LEASES=$LXD_DIR_RIG/networks/$BRIDGE/dnsmasq.leases
export CTGATE_IMAGE_ALIAS=$IMAGE_ALIAS
export CTGATE_TEMPLATE=busybox
export CTGATE_DEBIAN_TEMPLATE=$DEBIAN_TEMPLATE
export CTGATE_DEBIAN_IMAGE_ALIAS=$DEBIAN_IMAGE_ALIAS
export CTGATE_ENROL_ADDRESS=$BRIDGE_NET.1
export CTGATE_ENROL_PORT=$ENROL_PORT
export CTGATE_ENROL_LOG=$RIG/enrol/enrolments.log
export CTGATE_GIT_HOST=$GIT_HOST
export CTGATE_GIT_ADDRESS=$BRIDGE_NET.1
export CTGATE_GIT_BASE=https://$GIT_HOST
export CTGATE_GIT_ROOT=$RIG/git/repos
export CTGATE_LDAP_URI=ldap://127.0.0.1:$LDAP_PORT
export CTGATE_LDAPS_URI=ldaps://127.0.0.1:$LDAPS_PORT
export CTGATE_LDAP_BASE=$LDAP_BASE
export CTGATE_LDAP_CA=$TLS_DIR/ca.crt
EOF
    for u in $TEST_USERS; do
        printf 'export CTGATE_KEY_%s=%s\n' "$u" "$RIG/keys/$u"
        [ -r "$RIG/passwords" ] && printf 'export CTGATE_PASSWORD_%s=%s\n' "$u" "$(password_of "$u")"
    done
    return 0
}

stop_pid() { # name
    local f=$PIDS/$1.pid pid i
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    if pid_alive "$1"; then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cmd_down() {
    if ! pid_alive lxd && [ -n "$(lxd_mounts)" ] && command -v lxd >/dev/null; then
        # The daemon died (killed, crashed) with its containers and mounts still
        # there: start it once so its own shutdown stops them cleanly.
        log "LXD is not running but left its mounts: starting it once to shut it down cleanly"
        start_lxd
    fi
    if pid_alive lxd; then
        # Stop the rig's containers and daemon through its own socket (this LXD only).
        LXD_DIR=$LXD_DIR_RIG timeout 120 lxd shutdown || true
    fi
    stop_pid pve-sim # before LXD: its CTs are instances of it
    stop_pid lxd
    stop_pid sshd
    stop_pid sshd-loose
    stop_pid nginx
    stop_pid nginx-pve
    stop_pid nginx-pool
    stop_pid slapd
    stop_pid enrol
    stop_pid git-nginx
    stop_pid fcgiwrap
    log "down"
}

# Everything `up` made goes: files, accounts, group, bridge, LXD storage, the
# firewall chains LXD made for the bridge; the image cache only without --keep-cache.
cmd_purge() {
    local keep_cache=0 m dev u chain
    case "${1:-}" in
    --keep-cache) keep_cache=1 ;;
    "") ;;
    *) die "usage: $0 purge [--keep-cache]" ;;
    esac
    [ "$(id -u)" = 0 ] || die "must run as root"
    [ -d "$RIG" ] && cmd_down
    # Whatever a dead daemon still holds: processes naming the rig, then mounts, loops.
    for m in /proc/[0-9]*; do
        tr '\0' ' ' <"$m/cmdline" 2>/dev/null | grep -qF "$RIG/" && kill -9 "${m#/proc/}" 2>/dev/null || true
    done
    lxd_mounts | sort -r | while read -r m; do umount -l "$m" || true; done
    if command -v losetup >/dev/null; then
        losetup -nO NAME,BACK-FILE 2>/dev/null | awk -v d="$RIG/" 'index($2, d) == 1 { print $1 }' |
            while read -r dev; do losetup -d "$dev" || true; done
    fi
    ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE"
    if command -v nft >/dev/null && nft list table inet lxd >/dev/null 2>&1; then
        for chain in $(nft list table inet lxd | awk -v b="$BRIDGE" '$1 == "chain" && index($2, b) { print $2 }'); do
            nft delete chain inet lxd "$chain" || true
        done
        # The table is LXD's, shared with any other LXD: removed only when empty.
        nft list table inet lxd | grep -q chain || nft delete table inet lxd || true
    fi
    rm -rf "$RIG"
    if [ "$keep_cache" = 1 ]; then log "kept the image cache $CACHE"; else rm -rf "$CACHE"; fi
    for u in "$GATEWAY_USER" "$AGENT_USER" "$GATEWAY_USER_PVE" "$AGENT_USER_PVE" "$GATEWAY_USER_POOL" \
        "$AGENT_USER_POOL" "$BENCH_USER" "$KEYS_USER"; do
        getent passwd "$u" >/dev/null && userdel --remove "$u" 2>/dev/null
        getent passwd "$u" >/dev/null && die "cannot remove the account $u"
    done
    getent group "$LXD_GROUP" >/dev/null && groupdel "$LXD_GROUP"
    log "purged: $RIG, accounts, group $LXD_GROUP, bridge $BRIDGE$([ "$keep_cache" = 1 ] || echo ", $CACHE")"
}

cmd_status() {
    local n
    for n in sshd sshd-loose slapd lxd nginx nginx-pve nginx-pool enrol git-nginx fcgiwrap pve-sim; do
        if pid_alive "$n"; then echo "$n: running (pid $(cat "$PIDS/$n.pid"))"; else echo "$n: stopped"; fi
    done
}

case "${1:-}" in
up) cmd_up ;;
env) cmd_env ;;
down) cmd_down ;;
purge) shift; cmd_purge "$@" ;;
status) cmd_status ;;
*) echo "usage: $0 up|env|down|purge [--keep-cache]|status" >&2; exit 2 ;;
esac
