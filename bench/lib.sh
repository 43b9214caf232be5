# bench/lib.sh - helpers the benchmarks share (sourced, bash).  Needs the rig.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$here/../tests/rig.sh" env)"
run=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')

api() { curl -sf --max-time 60 --unix-socket "$CTGATE_LXD_SOCKET" "$@"; }
wait_op() { api "http://lxd$1/wait?timeout=60" >/dev/null; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The same container straight through LXD's API: create, start, wait for IPv4.
# The same container ctgate makes with the rig's default size (small: 1 CPU, 128MiB, 1GiB disk),
# done the fastest way the API allows: limits in the create request itself.
# RAW_IMAGE, RAW_CPU, RAW_MEMORY, RAW_DISK: another image or size (bench/debian.sh).
raw_create() { # name
    local op pool
    pool=$(api "http://lxd/1.0/profiles/default" | jq -r .metadata.devices.root.pool)
    op=$(api -X POST -H 'Content-Type: application/json' "http://lxd/1.0/instances" \
        -d "{\"name\":\"$1\",\"source\":{\"type\":\"image\",\"alias\":\"${RAW_IMAGE:-$CTGATE_IMAGE_ALIAS}\"},
             \"config\":{\"limits.cpu\":\"${RAW_CPU:-1}\",\"limits.memory\":\"${RAW_MEMORY:-128MiB}\"},
             \"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"$pool\",\"size\":\"${RAW_DISK:-1GiB}\"}}}" | jq -r .operation)
    wait_op "$op"
    op=$(api -X PUT -H 'Content-Type: application/json' "http://lxd/1.0/instances/$1/state" \
        -d '{"action":"start","timeout":30}' | jq -r .operation)
    wait_op "$op"
    for _ in $(seq 1200); do # up to a minute: 32 at once take LXD a while
        api "http://lxd/1.0/instances/$1/state" |
            jq -e '[.metadata.network.eth0.addresses[]? | select(.family=="inet")] | length > 0' >/dev/null && return 0
        sleep 0.05
    done
    echo "raw create of $1: no IPv4" >&2; return 1
}
raw_delete() { LXD_DIR=$CTGATE_LXD_DIR lxc delete --force "$1" >/dev/null; }

# ssh as a rig user to an account of the rig's sshd.
ssh_as() { # user account words...
    local key
    key=$(eval echo "\$CTGATE_KEY_$1")
    local account=$2
    shift 2
    ssh -T -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$CTGATE_KNOWN_HOSTS" -p "$CTGATE_SSH_PORT" "$account@$CTGATE_SSH_HOST" "$@" </dev/null
}

# A Debian create through the gateway, then alice's first working ssh login through nginx
# (debian.sh, pool.sh); $kh is the caller's known_hosts file, emptied first (a new container on
# a port an earlier one had: a new host key).
gw_debian_login() { # NAME TEMPLATE
    local port
    : > "$kh"
    port=$(ssh_as alice "$CTGATE_GATEWAY_USER" create --hostname "$1" --template "$2" --json | jq -er .data.ssh_port)
    for _ in $(seq 100); do
        ssh -i "$CTGATE_KEY_alice" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null -o ConnectTimeout=5 \
            -o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=accept-new -p "$port" alice@127.0.0.1 true \
            </dev/null 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no login to $1" >&2; return 1
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# compare_creates PAIRS PREFIX LABEL_A CREATE_A DELETE_A LABEL_B CREATE_B DELETE_B
# Alternates A and B creates PAIRS times (names PREFIX-aN / PREFIX-bN), prints each pair,
# deletes both after timing; sets MEDIAN_A and MEDIAN_B (ms).
compare_creates() {
    local pairs=$1 prefix=$2 la=$3 ca=$4 da=$5 lb=$6 cb=$7 db=$8 i t0 t1 t2 a_times=() b_times=()
    printf '%-4s %14s %14s\n' pair "${la}_ms" "${lb}_ms"
    for i in $(seq "$pairs"); do
        t0=$(now_ms); "$ca" "$prefix-a$i"; t1=$(now_ms)
        "$cb" "$prefix-b$i"; t2=$(now_ms)
        a_times+=($((t1 - t0))); b_times+=($((t2 - t1)))
        printf '%-4s %14s %14s\n' "$i" $((t1 - t0)) $((t2 - t1))
        "$da" "$prefix-a$i"
        "$db" "$prefix-b$i"
    done
    MEDIAN_A=$(printf '%s\n' "${a_times[@]}" | median)
    MEDIAN_B=$(printf '%s\n' "${b_times[@]}" | median)
}
