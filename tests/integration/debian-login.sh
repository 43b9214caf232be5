#!/bin/bash
# A Debian container a user can work in (issue 14): created through the gateway
# from the rig's Debian template (built by `ctgate-agent template build`), it is
# reached with the real ssh client through the SSH port nginx publishes, with the
# key ctgate installed; sudo works as the template says; the host key the summary
# shows is the one the client sees; two containers of one template have their own
# host keys and machine ids; a key that is not the owner's is refused.
source "$(dirname "$0")/../lib.sh"

tmpl=${CTGATE_DEBIAN_TEMPLATE:?the rig exports CTGATE_DEBIAN_TEMPLATE}
kh=$TMP/known_hosts
# ssh to a container as a rig user, through nginx's published port.
ct_ssh() { # user port command...
    local key
    key=$(eval echo "\$CTGATE_KEY_$1")
    local port=$2
    shift 2
    timeout 30 ssh -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
        -o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10 \
        -p "$port" "$(basename "$key")@127.0.0.1" "$@" </dev/null
}
# sshd inside needs a moment after the create returns: eventually (tests/lib.sh) retries.
answers() { [ "$(ct_ssh "$1" "$2" id -un 2>/dev/null)" = "$1" ]; }

a=$(name_for deb1)
b=$(name_for deb2)
CREATED_NAMES+=("$a" "$b")
gw_run "$TMP/a" alice -T -- create --hostname "$a" --template "$tmpl" --json
check_eq "create from $tmpl: exit 0" 0 "$(cat "$TMP/a.rc")" || sed 's/^/    | /' "$TMP/a.err"
port=$(jq -r .data.ssh_port "$TMP/a.out")
fp=$(jq -r .data.ssh_host_key "$TMP/a.out")
check "the answer carries the host key's fingerprint" grep -qE '^SHA256:[A-Za-z0-9+/]{43}$' <<<"$fp"

check "alice logs in through nginx's port $port with her key" eventually answers alice "$port"
check_eq "the host key the client saw is the summary's" "$fp" \
    "$(ssh-keygen -lf "$kh" 2>/dev/null | grep -m1 ED25519 | awk '{print $2}')"
check_eq "in her home" "/home/alice" "$(ct_ssh alice "$port" pwd)"
check_eq "sudo -n works (the template says nopasswd)" root "$(ct_ssh alice "$port" sudo -n id -un)"
check_eq "systemd is PID 1" systemd "$(ct_ssh alice "$port" cat /proc/1/comm)"
ct_ssh bob "$port" id -un >"$TMP/bob.out" 2>"$TMP/bob.err"
check_eq "bob's key is refused (exit 255)" 255 "$?"
check_eq "and ran nothing" "" "$(cat "$TMP/bob.out")"

gw_run "$TMP/at" alice -T -- create --hostname "$(name_for debt)" --template "$tmpl"
CREATED_NAMES+=("$(name_for debt)")
check "the text summary shows the host key" grep -qE "^  host key +SHA256:" "$TMP/at.out"
gw_run "$TMP/atd" alice -T -- delete "$(name_for debt)" --yes

gw_run "$TMP/b" alice -T -- create --hostname "$b" --template "$tmpl" --json
check_eq "a second container of the same template" 0 "$(cat "$TMP/b.rc")"
port_b=$(jq -r .data.ssh_port "$TMP/b.out")
check_ne "its own host key" "$fp" "$(jq -r .data.ssh_host_key "$TMP/b.out")"
eventually answers alice "$port_b" >/dev/null
mid_a=$(ct_ssh alice "$port" cat /etc/machine-id)
mid_b=$(ct_ssh alice "$port_b" cat /etc/machine-id)
check "a machine id of its own" test -n "$mid_a" -a -n "$mid_b" -a "$mid_a" != "$mid_b"

for n in "$a" "$b"; do
    gw_run "$TMP/d-$n" alice -T -- delete "$n" --yes
    check_eq "delete $n" 0 "$(cat "$TMP/d-$n.rc")"
done
