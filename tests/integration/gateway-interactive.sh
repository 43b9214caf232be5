#!/bin/bash
# A person at a terminal: ssh -t through tmux.  Prompts appear, a bad or taken
# hostname is explained and asked again, the password is not echoed, menus
# take numbers, every optional value shows its default, the settings are
# shown before a final yes/no (no creates nothing), progress and the summary
# show.
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
check "shows the template menu" wait_for '^  1\) busybox +BusyBox test image'
check "asks for the template, showing the default" wait_for '^Template \(name or number\) \[busybox\]:'
type_line "1"
check "asks for a repository to deploy (optional)" wait_for '^Git repository to deploy \(https URL; empty for none\):'
type_line "$CTGATE_GIT_BASE/private/secret.git"
check "a private repository is explained, and asked again" wait_for 'repository not found or not public'
type_line ""
check "asks for the key, offering the login key" wait_for '^Public key \[the key you logged in with, SHA256:'
type_line ""
check "shows the sizes the template offers" wait_for '^  2\) medium +2 CPUs, 256MiB memory, 2GiB disk'
check "asks for the size, showing the template's default" wait_for '^Size \(name or number\) \[small\]:'
type_line "large"
check "a size the template does not offer is explained" wait_for 'size large is not offered by template busybox' 
type_line "2"
check "asks for the HTTP port, default 80" wait_for '^HTTP port your app listens on \[80\]:'
type_line "8080"
check "shows the protocol menu" wait_for '^  1\) echo +port 7/tcp'
check "asks for extra protocols" wait_for '^Extra protocols \(names or numbers, comma-separated; empty for none\):'
type_line "1"
check "asks for the expiry, showing default and maximum" wait_for '^Expires after \(30m, 12h, 7d, 2w or never\) \[1w; at most 30d\]:'
type_line "3h"
check "shows the settings" wait_for '^  size +medium \(2 CPUs, 256MiB memory, 2GiB disk\)'
check "with the protocols and expiry" wait_for '^  protocols +echo'
check "asks to confirm" wait_for '^Create with these settings\? \[Y/n\]:'
type_line "y"
check "progress shows each step" wait_for '  ok +install your SSH key +[0-9.]+ s'
check "the summary shows" wait_for "^Container $n is ready"
check "and the root password" wait_for '^  root password +[A-Za-z0-9]{20}'
check "the session ends with exit 0" wait_for '^EXIT=0'
check_eq "LXD: the container runs" Running "$(lxd_get "/1.0/instances/$n" | jq -r .metadata.status)"
check_eq "LXD: it is bob's" bob "$(lxd_get "/1.0/instances/$n" | jq -r '.metadata.config["user.ctgate.owner"]')"
check "bob's login key was installed" grep -qF "$(cut -d' ' -f2 "$CTGATE_KEY_bob.pub")" <<<"$(lxd_file "$n" /home/bob/.ssh/authorized_keys)"
check_eq "hostname prompts: the first + 2 re-asks" 3 "$(screen | grep -c '^Hostname: ')"
check_eq "LXD: the medium size picked by number" 256MiB "$(lxd_config "$n" limits.memory)"
check "nginx routes to port 8080" grep -q "proxy_pass http://[0-9.]*:8080;" <(grep -A3 "server_name $n\." "$CTGATE_NGINX_DIR/ctgate/http.conf")
check "the echo protocol got a port" grep -qE "^  echo +127.0.0.1:[0-9]+ -> port 7/tcp" <<<"$(screen)"
left=$(( $(date -d "$(lxd_config "$n" user.ctgate.expires)" +%s) - $(date +%s) ))
check "expires in 3h ($left s)" test "$left" -gt 10700 -a "$left" -le 10800
tmux kill-session -t "$session"

echo "-- delete on a terminal asks to type the name"
tmux new-session -d -s "$session" -x 160 -y 60 \
    "ssh -tt -i $CTGATE_KEY_alice -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
     -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
     $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST create --hostname $n-2; echo EXIT=\$?; sleep 60"
CREATED_NAMES+=("$n-2")
check "alice (key in LDAP) is not asked who she is" wait_for '^Template \(name or number\) \[busybox\]:'
check_not "nor for a password" grep -q "Password" <<<"$(screen)"
type_line ""; wait_for '^Git repository' && type_line ""
wait_for '^Public key' && type_line ""
wait_for '^Size' && type_line ""
wait_for '^HTTP port' && type_line ""
wait_for '^Extra protocols' && type_line ""
wait_for '^Expires after' && type_line ""
check "every default is in the settings shown" wait_for '^  expires +1w'
check "asks to confirm" wait_for '^Create with these settings\? \[Y/n\]:'
type_line "n"
check "no: exit 2" wait_for '^EXIT=2'
check "says nothing was created" wait_for 'create cancelled: nothing was created'
check_eq "LXD: nothing" 404 "$(lxd_status_code "/1.0/instances/$n-2")"
check_not "no reservation" registry_has "$n-2"
tmux kill-session -t "$session"
tmux new-session -d -s "$session" -x 160 -y 60 \
    "ssh -tt -i $CTGATE_KEY_alice -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
     -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
     $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST create --hostname $n-2 --template busybox --size small \
     --http-port 80 --protocol echo --expires 1h; echo EXIT=\$?; sleep 60"
check "the repository is asked (no --repo given)" wait_for '^Git repository to deploy'
type_line ""
check "then only the key is left to ask" wait_for '^Public key'
type_line ""
check "Enter takes the default answer, yes" wait_for '^Create with these settings\? \[Y/n\]:'
type_line ""
check "created" wait_for '^EXIT=0' 60
tmux kill-session -t "$session"
# restore asks the same way as delete: the snapshot's name typed, a wrong one changes nothing.
gw_run "$TMP/snap" alice -T -- snapshot "$n-2" first
check_eq "a snapshot to restore" 0 "$(cat "$TMP/snap.rc")"
for answer in wrong first; do
    tmux new-session -d -s "$session" -x 160 -y 60 \
        "ssh -tt -i $CTGATE_KEY_alice -o IdentitiesOnly=yes -o BatchMode=yes -F /dev/null \
         -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS -p $CTGATE_SSH_PORT \
         $CTGATE_GATEWAY_USER@$CTGATE_SSH_HOST restore $n-2 first; echo EXIT=\$?; sleep 60"
    check "restore asks to type the snapshot's name" wait_for "^Type the snapshot's name to confirm:"
    type_line "$answer"
    if [ "$answer" = wrong ]; then
        check "a wrong answer restores nothing: exit 2" wait_for '^EXIT=2'
        check "and says so" wait_for "not confirmed; $n-2 was not restored"
    else
        check "the snapshot's name restores it: exit 0" wait_for '^EXIT=0' 60
        check "back at the snapshot" wait_for "is back at snapshot first and Running"
    fi
    tmux kill-session -t "$session"
done
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
