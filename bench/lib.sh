# bench/lib.sh - helpers the benchmarks share (sourced, bash).  Needs the rig.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$here/../tests/rig.sh" env)"
run=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')

api() { curl -sf --max-time 60 --unix-socket "$CTGATE_LXD_SOCKET" "$@"; }
wait_op() { api "http://lxd$1/wait?timeout=60" >/dev/null; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The same container straight through LXD's API: create, start, wait for IPv4.
raw_create() { # name
    local op
    op=$(api -X POST -H 'Content-Type: application/json' "http://lxd/1.0/instances" \
        -d "{\"name\":\"$1\",\"source\":{\"type\":\"image\",\"alias\":\"$CTGATE_IMAGE_ALIAS\"}}" | jq -r .operation)
    wait_op "$op"
    op=$(api -X PUT -H 'Content-Type: application/json' "http://lxd/1.0/instances/$1/state" \
        -d '{"action":"start","timeout":30}' | jq -r .operation)
    wait_op "$op"
    for _ in $(seq 300); do
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
