#!/bin/bash
# A person at a terminal: ssh -t through tmux.  Prompts appear, a bad or taken
# hostname is explained and asked again, the password is not echoed, progress
# and the summary show.
source "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null || { fail "tmux is not installed"; exit 1; }
session=ctgate-it-$RUN_ID
screen() { tmux capture-pane -p -t "$session" -S -200; }
# wait_for REGEX [SECONDS]: until the screen shows it
wait_for() {
    local i
    for ((i = 0; i < ${2:-30} * 10; i++)); do
        screen | grep -qE "$1" && return 0
        sleep 0.1
    done
    return 1
}
type_line() { tmux send-keys -t "$session" -l "$1"; tmux send-keys -t "$session" Enter; }
trap 'tmux kill-session -t "$session" 2>/dev/null; finish' EXIT

n=$(name_for tty)
CREATED_NAMES+=("$n")
bob_pw=$(password_of bob)
tmux new-session -d -s "$session" -x 160 -y 60 \
    "ssh -tt -i $CTGATE_KEY_bob -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
     -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
     $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST; echo EXIT=\$?; sleep 60"

check "asks for the LDAP user (bob's key is not in LDAP)" wait_for '^LDAP user:'
type_line "bob"
check "asks for bob's password" wait_for '^Password for bob:'
type_line "$bob_pw"
check "asks for the hostname" wait_for '^Hostname:'
check_not "the password was not echoed" grep -qF "$bob_pw" <<<"$(screen)"
type_line "Bad_Name!"
check "a bad hostname is explained" wait_for 'not a hostname: 1 to 63'

type_line "www"
check "a reserved name is explained (the agent was asked)" wait_for 'hostname www is reserved'
type_line "$n"
check "asks for the template, showing the default" wait_for '^Template \[busybox\]:'
type_line ""
check "asks for the key, offering the login key" wait_for '^Public key \[the key you logged in with, SHA256:'
type_line ""
check "asks for extra protocols, empty meaning none" wait_for '^Extra protocols \(comma-separated, empty for none\):'
type_line ""
check "progress shows each step" wait_for '  ok +install your SSH key +[0-9.]+ s'
check "the summary shows" wait_for "^Container $n is ready"
check "and the root password" wait_for '^  root password +[A-Za-z0-9]{20}'
check "the session ends with exit 0" wait_for '^EXIT=0'
check_eq "LXD: the container runs" Running "$(lxd_get "/1.0/instances/$n" | jq -r .metadata.status)"
check_eq "LXD: it is bob's" bob "$(lxd_get "/1.0/instances/$n" | jq -r '.metadata.config["user.ctgate.owner"]')"
check "bob's login key was installed" grep -qF "$(cut -d' ' -f2 "$CTGATE_KEY_bob.pub")" <<<"$(lxd_file "$n" /home/bob/.ssh/authorized_keys)"
check_eq "hostname prompts: the first + 2 re-asks" 3 "$(screen | grep -c '^Hostname: ')"
tmux kill-session -t "$session"

echo "-- delete on a terminal asks to type the name"
tmux new-session -d -s "$session" -x 160 -y 60 \
    "ssh -tt -i $CTGATE_KEY_alice -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
     -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
     $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST create --hostname $n-2; echo EXIT=\$?; sleep 60"
CREATED_NAMES+=("$n-2")
check "alice (key in LDAP) is not asked who she is" wait_for '^Template \[busybox\]:'
check_not "nor for a password" grep -q "Password" <<<"$(screen)"
type_line ""; wait_for '^Public key' && type_line ""
wait_for '^Extra protocols' && type_line ""
check "created" wait_for '^EXIT=0' 60
tmux kill-session -t "$session"
tmux new-session -d -s "$session" -x 160 -y 60 \
    "ssh -tt -i $CTGATE_KEY_alice -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
     -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
     $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST delete $n-2; echo EXIT=\$?; sleep 60"
check "asks to type the name" wait_for '^Type its name to confirm:'
type_line "wrong"
check "a wrong answer deletes nothing: exit 2" wait_for '^EXIT=2'
check_eq "still there" 200 "$(lxd_status_code "/1.0/instances/$n-2")"
tmux kill-session -t "$session"
tmux new-session -d -s "$session" -x 160 -y 60 \
    "ssh -tt -i $CTGATE_KEY_alice -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
     -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
     $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST delete $n-2; echo EXIT=\$?; sleep 60"
wait_for '^Type its name to confirm:'
type_line "$n-2"
check "the right name deletes it: exit 0" wait_for '^EXIT=0' 60
check_eq "LXD: gone" 404 "$(lxd_status_code "/1.0/instances/$n-2")"
