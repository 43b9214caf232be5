#!/bin/bash
# tests/demo.sh - bring up the rig (sshd + slapd + LXD + agent + gateway on this
# machine) with the built binaries and print the ssh line to try.  Run as root:
# `make demo`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/rig.sh" up
eval "$("$here/rig.sh" env)"
ssh_opts="-i $CTGATE_KEY_alice -p $CTGATE_SSH_PORT -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS"
cat <<EOF

ctgate demo is up: gateway sshd on $CTGATE_SSH_HOST:$CTGATE_SSH_PORT, slapd (LDAP users alice, bob,
carol, dave, erin), the agent, and LXD ($CTGATE_LXD_DIR, templates "busybox" and
"$CTGATE_DEBIAN_TEMPLATE").

Get a container (you are alice; her key is in LDAP, so no password is asked):

  ssh -t $ssh_opts create-container@127.0.0.1

The same without questions, then list and remove it:

  ssh $ssh_opts create-container@127.0.0.1 create --hostname demo1
  ssh $ssh_opts create-container@127.0.0.1 list
  ssh $ssh_opts create-container@127.0.0.1 delete demo1 --yes

The summary shows how to reach it through the rig's nginx, e.g.:
  ssh -p 24000 alice@127.0.0.1      (the busybox image answers with a banner only)
  curl -H 'Host: demo1.ctgate.test' http://127.0.0.1:$CTGATE_HTTP_PORT/

A Debian container you can log in to (template "$CTGATE_DEBIAN_TEMPLATE": systemd, OpenSSH, sudo):

  ssh $ssh_opts create-container@127.0.0.1 create --hostname deb1 --template $CTGATE_DEBIAN_TEMPLATE
  ssh -i $CTGATE_KEY_alice -p PORT alice@127.0.0.1      (PORT: the summary's login line; check its host key)

Everything the gateway understands: ... create-container@127.0.0.1 help
As bob (password login): ssh -t -i $CTGATE_KEY_bob -p $CTGATE_SSH_PORT -o UserKnownHostsFile=$CTGATE_KNOWN_HOSTS create-container@127.0.0.1
  (passwords of the demo users: $CTGATE_RIG_DIR/passwords)
LXD itself: LXD_DIR=$CTGATE_LXD_DIR lxc list
Stop everything: tests/rig.sh down     (remove everything it made: tests/rig.sh purge)
EOF
